"""The Keras lab: happy_model (Sequential) and convolutional_model (Functional) (lab.toml)."""

from autograder.lab import get_lab

LAB = get_lab("keras_cnn")
