"""Canvas: the names in an assignment's "Download Submissions" zip, its class list, the
gradebook import file, and the names of feedback files for "Re-Upload Submissions".

Canvas (lib/content_zipper.rb) names an entry [sortable name, "LATE" if late, user id]
joined by "_" and stripped of non-word characters, so any Unicode letter or digit of the
name stays (김철수, müllerjosé); then "_<attachment id>_<file name>". Text and URL entries
end "_text.html" and "_link.html" instead. With anonymous grading there is no name and the
id is "anon_<anonymous id>". Older downloads wrote the late mark in lower case.
"""

import csv
import re
from datetime import tzinfo
from pathlib import Path, PurePath, PurePosixPath

from autograder.exports.options import ExportError, ExportOptions, score_text
from autograder.lms.platform import FeedbackDelivery, Platform, RosterFormat
from autograder.pages.feedback_page import StudentFeedback
from autograder.standing import Standing
from autograder.student import Student, get

KIND = "canvas"  # identity "canvas:<user id>", and the roster's Canvas user id
ANONYMOUS = "canvas-anonymous"  # "canvas-anonymous:<id>": an anonymous entry, no user id

_LATE = r"(?:(?P<late>LATE|late)_)?"
_NAMED = r"^(?:(?P<who>\w*?)_)?" + _LATE + r"(?P<user>\d+)"
_ANONYMOUS = r"^" + _LATE + r"anon_(?P<anonymous>[^\W_]+)"
_UPLOAD = r"_(?P<attachment>\d+)_(?P<file>.+)$"
_ONLINE_ENTRY = r"_(?P<kind>text|link)\.html$"
# Anonymous first: an anonymous id of digits alone would otherwise read as a user id
NAMES = tuple(
    re.compile(who + entry) for entry in (_UPLOAD, _ONLINE_ENTRY) for who in (_ANONYMOUS, _NAMED)
)
ONLINE_ENTRY_PROBLEM = (
    "this is a Canvas {what} entry, not a notebook: submit the .ipynb file as a file upload"
)


def parse_name(name: str) -> dict | None:
    """The parts of a Canvas download entry's file name, or None if it is not one."""
    for pattern in NAMES:
        match = pattern.match(name)
        if match is not None:
            return match.groupdict()
    return None


def online_entry(name: str) -> str | None:
    """ "text" or "URL" for a text or URL entry of a Canvas download; None otherwise."""
    parts = parse_name(name)
    return {"text": "text", "link": "URL"}.get((parts or {}).get("kind") or "")


def entry_identity(path: PurePosixPath) -> dict | None:
    parts = parse_name(path.name)
    if parts is None:
        return None
    anonymous = parts.get("anonymous")
    attachment = parts.get("attachment")
    online = online_entry(path.name)
    return {
        "student": f"{ANONYMOUS}:{anonymous}" if anonymous else f"{KIND}:{parts['user']}",
        "late": bool(parts["late"]),
        "order": int(attachment) if attachment else 0,  # attachment ids grow with time
        "problem": ONLINE_ENTRY_PROBLEM.format(what=online) if online else None,
    }


# -- the class list: Grades → Export (CSV) -------------------------------------------------


def roster(headers: set[str], rows: list[dict]) -> list[Student] | None:
    """Students of a Canvas gradebook export, or None if the file is not one."""
    if not {"student", "id", "sis user id"} <= headers:
        return None
    return [_student(row) for row in rows if _is_student(row)]


def _is_student(row: dict) -> bool:
    """Canvas puts a "Points Possible" row under the header, and a test student at the end."""
    name = (get(row, "Student") or "").strip()
    return bool(name) and name != "Points Possible" and name != "Student, Test"


def _student(row: dict) -> Student:
    return Student(
        name=get(row, "Student") or "",
        user_ids=((KIND, user),) if (user := get(row, "ID")) else (),
        sis_user_id=get(row, "SIS User ID"),
        sis_login_id=get(row, "SIS Login ID"),
        section=get(row, "Section"),
    )


# -- grades back: the gradebook import CSV -------------------------------------------------
#
# Canvas matches rows by ID (then SIS User ID, SIS Login ID), reads the columns Student, ID,
# SIS User ID, SIS Login ID and Section, and skips the "Points Possible" row. An assignment
# column is recognised by its title "<name> (<assignment id>)"; any other title creates a
# new assignment, so the id is required.

GRADE_FILE_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def column_title(options: ExportOptions) -> str:
    if not options.assignment_id or not options.assignment_id.isdigit():
        raise ExportError(
            "Canvas needs the assignment id (--assignment-id, the number in the assignment's"
            " URL): without it, Canvas creates a new assignment instead of filling this one"
        )
    return f"{options.assignment} ({options.assignment_id})"


def write_grades(standing: Standing, path: Path, options: ExportOptions) -> None:
    title = column_title(options)
    missing_ids = [e.student.name for e in standing.entries if not e.student.user_id(KIND)]
    if missing_ids:
        raise ExportError(
            "Canvas matches students by their Canvas ID, and the roster has none for: "
            + ", ".join(missing_ids[:10])
            + ". Use the roster exported from this course's Canvas gradebook."
        )
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([*GRADE_FILE_COLUMNS, title])
        writer.writerow(["Points Possible", "", "", "", "", score_text(standing.max_score)])
        for entry in standing.entries:
            student = entry.student
            writer.writerow(
                [
                    student.name,
                    student.user_id(KIND),
                    student.sis_user_id or "",
                    student.sis_login_id or "",
                    student.section or "",
                    score_text(entry.final),
                ]
            )


# -- feedback back: a zip for "Re-Upload Submissions" --------------------------------------
#
# Canvas reads the user id and the attachment id as the first two all-digit "_"-separated
# tokens of an entry's name and attaches the file as a comment on that submission, so each
# page is named after the student's own download entry: "<name>[_LATE]_<user id>_
# <attachment id>_<page name>".


def feedback_entry_name(feedback: StudentFeedback, page_name: str) -> tuple[str | None, str]:
    """The zip entry name for a student's page, or (None, why there is none)."""
    source = PurePath(feedback.source_path).name
    parts = parse_name(source)
    if parts is None:
        return None, f"{source} is not a file from a Canvas download"
    if not parts.get("attachment"):
        return None, f"{source} is a Canvas text or URL entry: it has no file to comment on"
    if parts.get("anonymous"):
        return None, f"{source} is an anonymous Canvas entry: it names no user id"
    claimed = feedback.student.user_id(KIND)
    if claimed and claimed.strip() != parts["user"]:
        return None, f"{source} is Canvas user {parts['user']}, the roster says {claimed}"
    prefix = source[: len(source) - len(parts["file"]) - 1]  # "<name>[_LATE]_<user>_<att>"
    name = f"{prefix}_{page_name}"
    if reupload_ids(name) != (parts["user"], parts["attachment"]):  # a name of digits alone
        return None, f"{source}: Canvas would read other ids from this name"
    return name, ""


def reupload_ids(name: str) -> tuple[str | None, str | None]:
    """The user and attachment ids Canvas's re-upload reads: the first two all-digit
    "_"-separated tokens of the name (Assignment#infer_comment_context_from_filename)."""
    digits = [token for token in name.split("_") if token.isascii() and token.isdigit()]
    return (digits + [None, None])[0], (digits + [None, None])[1]


def submission_time(student: Student, row: dict, zone: tzinfo | None):
    """A download's late mark is all Canvas says: no time, so no days late counted."""
    if row.get("late"):
        return None, "marked late in the Canvas download"
    return None


GRADEBOOK = RosterFormat(roster, "a Canvas gradebook export (Student, ID, SIS User ID, …)")
PLATFORM = Platform(
    name="canvas",
    identity_kinds=(KIND, ANONYMOUS),
    own_id_only=(ANONYMOUS,),  # an anonymous entry is matched by a --map row, never by a bare id
    user_id_kind=KIND,
    entry_identity=entry_identity,
    rosters=(GRADEBOOK,),
    submission_time=submission_time,
    grade_files={"canvas": write_grades},
    feedback={"canvas": FeedbackDelivery(feedback_entry_name, zipped=True)},
)
