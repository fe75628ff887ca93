"""Grade files: the class standing written as a file the receiving system imports as it
is. Each platform's own grade file is written by its module in autograder/lms/; the
formats here belong to no one platform (the instructor's CSV, LTI scores), and run.py
picks the writer for a format."""

from dataclasses import dataclass
from datetime import tzinfo


class ExportError(Exception):
    """The export can't be written as asked; the message says what is missing."""


@dataclass(frozen=True)
class ExportOptions:
    assignment: str = "TensorFlow lab"  # the column's name in the LMS
    assignment_id: str | None = None  # Canvas assignment id; Blackboard column id
    identifier: str = "email"  # Moodle: email | username | idnumber
    lti_user: str = "canvas"  # LTI userId from: canvas | sis | email | username | idnumber
    timezone: tzinfo | None = None  # the course's zone (--timezone); None: this machine's


def score_text(value: float | None) -> str:
    """Blank for no grade; otherwise the shortest exact decimal."""
    return "" if value is None else f"{value:g}"
