"""What a platform module gives the rest of the grader: one Platform, listed in registry.py.

Every field is optional: a platform gives what it has. Functions take and return the
shared types (Student, Standing, ExportOptions, StudentFeedback) and plain data, so the
grader asks through registry.py and never reads a platform's names itself.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath

from autograder.exports.options import ExportOptions
from autograder.pages.feedback_page import StudentFeedback
from autograder.standing import Standing
from autograder.student import Student

# (headers normalised: lower case, single spaces; rows) -> the students, or None: not ours
RosterReader = Callable[[set[str], list[dict]], list[Student] | None]
GradeWriter = Callable[[Standing, Path, ExportOptions], None]
# (a student's page content, the page's file name) -> (its name for the platform, "") or
# (None, why it has none)
FeedbackName = Callable[[StudentFeedback, str], tuple[str | None, str]]
SubmissionTime = Callable[[Student, dict, tzinfo | None], tuple[datetime | None, str] | None]


@dataclass(frozen=True)
class RosterFormat:
    read: RosterReader
    description: str  # for the error listing what a roster may be: "a … export (A, B, …)"


@dataclass(frozen=True)
class FeedbackDelivery:
    name_for: FeedbackName
    zipped: bool  # one zip for the platform's bulk upload; else a folder of pages


@dataclass(frozen=True)
class Platform:
    name: str
    # The identity kinds its entries and metadata give ("<kind>:<id>"), for the rules below
    identity_kinds: tuple[str, ...] = ()
    # Kinds that mean nothing outside the platform: matched as themselves or not at all
    own_id_only: tuple[str, ...] = ()
    # The kind of user id its class list gives a student (Student.user_ids)
    user_id_kind: str | None = None
    # An entry's path inside a "download all submissions" file (folders included) -> its
    # identity as EntryIdentity's fields, or None when the name is not this platform's
    entry_identity: Callable[[PurePosixPath], dict | None] | None = None
    # A metadata file the platform keeps next to one submission: its name, and its text ->
    # student and submitted_at ({} when it says nothing)
    metadata_beside: tuple[str, Callable[[str], dict]] | None = None
    # A metadata file in an export of many submissions: its name, and its bytes -> folder
    # -> student and submitted_at
    batch_metadata: tuple[str, Callable[[bytes | str], dict[str, dict]]] | None = None
    rosters: tuple[RosterFormat, ...] = ()
    # (student, gradebook row, the course's zone) -> (when submitted or None, where that
    # comes from), or None to let the generic rules decide
    submission_time: SubmissionTime | None = None
    # Rows no id matched, and the roster -> (row id -> student, problems to list)
    match_by_name: Callable[[list[dict], list[Student]], tuple[dict, list[str]]] | None = None
    grade_files: Mapping[str, GradeWriter] = field(default_factory=dict)  # format -> writer
    feedback: Mapping[str, FeedbackDelivery] = field(default_factory=dict)  # format -> names
