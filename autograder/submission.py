"""One submitted file as intake found it: where its bytes are and who handed it in."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where a submission's bytes are read from when it is graded (reading.load)."""

    file: Path  # a notebook, an otter export zip, or a class download zip
    member: str | None = None  # the entry, in a class download
    export: bool = False  # the file or entry is an otter export zip holding the notebook


@dataclass(frozen=True)
class Submission:
    source: Path  # the file as found (for a zip member: zip path / member)
    name: str  # unique within a batch; names the result file
    data: bytes | None  # the notebook's bytes once read (reading.load); None until then
    sha256: str  # of the submitted file as found
    problem: str | None = None  # why it can't be graded, if it can't
    student: str | None = None  # "<identity kind>:<id>", as the platform module names it
    submitted_at: str | None = None  # from the platform's metadata, when it has one
    late: bool = False  # the platform marked it late
    order: int = 0  # among one student's files, higher is newer
    superseded_by: str | None = None  # a newer submission from the same student
    location: Location | None = None  # where `data` is read from; None: nothing to read
