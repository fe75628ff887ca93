"""The network lab: a three-layer classifier of the digits 0 to 5, by hand (lab.toml)."""

from autograder.lab import get_lab

LAB = get_lab("tf_network")
