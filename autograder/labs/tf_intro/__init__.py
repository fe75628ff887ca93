"""The TensorFlow introduction lab: minimise J(w) = w² − 10w + 25 with Adam (lab.toml)."""

from autograder.lab import get_lab

LAB = get_lab("tf_intro")
