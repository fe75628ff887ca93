"""Advice for the errors students of LAB_NAME make most: (regular expression searched in
"ErrorType: message", advice). The grader adds it to the error a student's cell raised."""

from autograder.hints import Hint

HINTS = (Hint(r"unsupported operand type.*NoneType", "scale must return the product, not None"),)
