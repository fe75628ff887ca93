"""The network lab: a three-layer classifier of handwritten digits 0 to 5, by hand in TensorFlow.

Its metadata is lab.toml. This module is imported in both processes, so it holds no code
the student's process shouldn't run: the checks are found on disk by the grader, never
imported from here.
"""

from autograder.lab import get_lab

LAB = get_lab("tf_network")
