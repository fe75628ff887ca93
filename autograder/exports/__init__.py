"""One module per gradebook format. Each takes the class standing and writes one file
(or, for Gradescope, a folder) that the receiving system imports as it is."""

from dataclasses import dataclass


class ExportError(Exception):
    """The export can't be written as asked; the message says what is missing."""


@dataclass(frozen=True)
class ExportOptions:
    assignment: str = "TensorFlow lab"  # the column's name in the LMS
    assignment_id: str | None = None  # Canvas assignment id; Blackboard column id
    identifier: str = "email"  # Moodle: email | username | idnumber
    lti_user: str = "canvas"  # LTI userId from: canvas | sis | email | username | idnumber


def score_text(value: float | None) -> str:
    """Blank for no grade; otherwise the shortest exact decimal."""
    return "" if value is None else f"{value:g}"
