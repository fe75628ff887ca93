"""tf-autograder: grades a TensorFlow lab with hidden checks kept out of the student process."""

__version__ = "0.1.0"
