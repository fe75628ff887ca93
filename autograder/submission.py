"""One submitted file as intake found it: the bytes to grade and who handed it in."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    source: Path  # the file as found (for a zip member: zip path / member)
    name: str  # unique within a batch; names the result file
    data: bytes | None  # the notebook's bytes, or None when it could not be extracted
    sha256: str  # of the submitted file as found
    problem: str | None = None  # why it can't be graded, if it can't
    student: str | None = None  # "<identity kind>:<id>", as the platform module names it
    submitted_at: str | None = None  # from the platform's metadata, when it has one
    late: bool = False  # the platform marked it late
    order: int = 0  # among one student's files, higher is newer
    superseded_by: str | None = None  # a newer submission from the same student
