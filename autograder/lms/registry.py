"""The platforms, and every question the grader asks about them.

Intake, rosters, matching, grade files and feedback delivery ask here; nothing outside
autograder/lms/ names a platform. Adding a platform: its module, and one line below.
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath

from autograder.lms import blackboard, canvas, gradescope, moodle
from autograder.lms.platform import FeedbackDelivery, GradeWriter, Platform
from autograder.student import Student

PLATFORMS: tuple[Platform, ...] = (
    canvas.PLATFORM,
    moodle.PLATFORM,
    blackboard.PLATFORM,
    gradescope.PLATFORM,
)

# Entry names are tried in this order: a file in Moodle's folders may look like a Canvas
# name, so Moodle's rule goes first.
_ENTRY_ORDER = (moodle.PLATFORM, canvas.PLATFORM, blackboard.PLATFORM, gradescope.PLATFORM)


@dataclass(frozen=True)
class EntryIdentity:
    """What an LMS download's entry name says about the submission in it."""

    student: str  # "<kind>:<id>", matched against the roster at export
    late: bool = False  # the platform marked it late
    order: int = 0  # among one student's entries, higher is newer
    submitted_at: str | None = None  # ISO 8601, when the name carries the time
    problem: str | None = None  # why the entry can't be graded (not a notebook, …)


def entry_identity(path: PurePosixPath) -> EntryIdentity | None:
    for platform in _ENTRY_ORDER:
        found = platform.entry_identity(path) if platform.entry_identity else None
        if found is not None:
            return EntryIdentity(**found)
    return None


def identity_beside(file: Path) -> dict:
    """student and submitted_at from a platform's metadata kept next to a submission."""
    for platform in PLATFORMS:
        if platform.metadata_beside is None:
            continue
        name, read = platform.metadata_beside
        try:
            text = (file.parent / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        return read(text)
    return {}


def batch_metadata_names() -> set[str]:
    """The metadata files that mark a zip as an export of many submissions."""
    return {platform.batch_metadata[0] for platform in PLATFORMS if platform.batch_metadata}


def batch_identities(name: str, data: bytes) -> dict[str, dict]:
    """folder -> student and submitted_at, from the export metadata file called `name`."""
    for platform in PLATFORMS:
        if platform.batch_metadata and platform.batch_metadata[0] == name:
            return platform.batch_metadata[1](data)
    return {}


# Each reads a class list's rows and returns its students, or None when the file is not
# that platform's. Tried in this order, before the plain CSV.
_ROSTER_ORDER = (
    moodle.WORKSHEET,
    canvas.GRADEBOOK,
    blackboard.GRADE_CENTER,
    moodle.PARTICIPANTS,
)
ROSTER_READERS = tuple(roster.read for roster in _ROSTER_ORDER)
USER_ID_KINDS = tuple(p.user_id_kind for p in PLATFORMS if p.user_id_kind)


def roster_descriptions() -> list[str]:
    return [roster.description for platform in PLATFORMS for roster in platform.rosters]


OWN_ID_ONLY = frozenset(kind for platform in PLATFORMS for kind in platform.own_id_only)


def _platform_of(identity: str | None) -> Platform | None:
    kind = (identity or "").partition(":")[0]
    return next((p for p in PLATFORMS if kind in p.identity_kinds), None)


def platform_submission_time(
    student: Student, row: dict, zone: tzinfo | None
) -> tuple[datetime | None, str] | None:
    """When the row's platform says it was submitted, and where that comes from; None
    when the platform has no rule of its own for it."""
    platform = _platform_of(row.get("student"))
    if platform is None or platform.submission_time is None:
        return None
    return platform.submission_time(student, row, zone)


def match_by_name(rows: list[dict], roster: list[Student]) -> tuple[dict, list[str]]:
    """The rows no id matched, matched by a platform's own rule for names."""
    found: dict = {}
    problems: list[str] = []
    for platform in PLATFORMS:
        if platform.match_by_name is not None:
            matched, listed = platform.match_by_name(
                [row for row in rows if row["id"] not in found], roster
            )
            found.update(matched)
            problems += listed
    return found, problems


GRADE_FILES: dict[str, GradeWriter] = {
    fmt: write for platform in PLATFORMS for fmt, write in platform.grade_files.items()
}
FEEDBACK: dict[str, FeedbackDelivery] = {
    fmt: how for platform in PLATFORMS for fmt, how in platform.feedback.items()
}

# LTI Advantage's userId is the platform's own user id: by default the first platform's.
LTI_USER_DEFAULT = USER_ID_KINDS[0]
