"""Running as a Gradescope autograder: the bundle Gradescope installs (build.py, setup.sh)
and what its run_autograder does for each submission (run.py)."""
