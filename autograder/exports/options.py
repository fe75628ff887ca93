"""What every grade file is written with: the instructor's options, the error that
refuses an export, and how a score is written."""

from dataclasses import dataclass
from datetime import tzinfo


class ExportError(Exception):
    """The export can't be written as asked; the message says what is missing."""


@dataclass(frozen=True)
class ExportOptions:
    assignment: str = "TensorFlow lab"  # the column's name in the LMS
    assignment_id: str | None = None  # the LMS's id of the assignment or grade column
    identifier: str = "email"  # the user field a grade file names students by
    lti_user: str | None = None  # LTI userId from: a platform's user id kind, or a roster field
    timezone: tzinfo | None = None  # the course's zone (--timezone); None: this machine's
    visibility: str = "visible"  # when students see results a platform shows them


def score_text(value: float | None) -> str:
    """Blank for no grade; otherwise the shortest exact decimal."""
    return "" if value is None else f"{value:g}"
