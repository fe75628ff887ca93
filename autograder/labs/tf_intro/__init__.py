"""The TensorFlow introduction lab: minimise J(w) = w² − 10w + 25 with Adam.

Its metadata is lab.toml. This module is imported in both processes, so it holds no code
the student's process shouldn't run: the checks are found on disk by the grader, never
imported from here.
"""

from autograder.lab import get_lab

LAB = get_lab("tf_intro")
