"""Running as a Gradescope autograder: the bundle Gradescope installs (build.py, setup.sh)
and what its run_autograder does for each submission (run.py). It sits beside the
platform module and above the whole grader: it grades, where the platform module only
reads and writes Gradescope's files."""
