"""Each learning platform's own knowledge, one module per platform.

A platform module knows the names its "download all submissions" file gives each entry
(who submitted it, when, whether the platform marked it late) and the class list it
exports. The rest of the grader asks through the functions here and never parses a
platform's names itself, so adding a platform is one module and one line below.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath

from autograder.lms import blackboard, canvas, moodle


@dataclass(frozen=True)
class EntryIdentity:
    """What an LMS download's entry name says about the submission in it."""

    student: str  # "<platform>:<id>", matched against the roster at export
    late: bool = False  # the platform marked it late
    order: int = 0  # among one student's entries, higher is newer
    submitted_at: str | None = None  # ISO 8601, when the name carries the time
    problem: str | None = None  # why the entry can't be graded (not a notebook, …)


# Each reads an entry's path inside the download (folders included) and returns its
# identity, or None when the name is not that platform's. Tried in order.
PLATFORMS = (
    moodle.entry_identity,  # first: a file in its folders may look like a Canvas name
    canvas.entry_identity,
    blackboard.entry_identity,
)

# Each reads a class list's rows (headers normalised: lower case, single spaces) and returns
# its students, or None when the file is not that platform's. Tried before the generic ones.
ROSTERS = (
    moodle.roster,
    canvas.roster,
    blackboard.roster,
)


def entry_identity(path: PurePosixPath) -> EntryIdentity | None:
    for identify in PLATFORMS:
        found = identify(path)
        if found is not None:
            return EntryIdentity(**found)
    return None
