"""What hidden checks use to speak: a failure with feedback, and their markers.

A check fails by raising CheckFailed with a message written for the student. Any other
exception in a check is a grader bug: the student sees a neutral note, the log gets it.
"""

import pytest


class CheckFailed(AssertionError):
    """A check's verdict, with feedback meant for the student."""


def require(condition: bool, feedback: str) -> None:
    if not condition:
        raise CheckFailed(feedback)


points = pytest.mark.points
part = pytest.mark.part

MARKERS = (
    "points(value): points the check is worth",
    "part(name): the graded part of the lab the check belongs to",
)
