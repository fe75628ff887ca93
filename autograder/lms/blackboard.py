"""Blackboard Learn: the names in an assignment's "Download Assignment" zip, the Grade
Center download (as the class list), and the Grade Center upload with each student's
feedback.

Blackboard names each attached file "<assignment>_<username>_attempt_<stamp>_<file name>"
and writes a receipt "<assignment>_<username>_attempt_<stamp>.txt" for each attempt. The
stamp, YYYY-MM-DD-HH-MM-SS, is when the attempt was submitted, in the course's time zone
and without an offset: the export reads it in its --timezone. The assignment name may hold
underscores and spaces; a username holds none in practice (letters, digits, dots, hyphens,
an e-mail address), so the username is the part just before "_attempt_". A username with
an underscore reads as its last part and is listed unmatched: a mapping file claims it.

The Grade Center download (Work Offline → Download) is tab-delimited UTF-16 with a
byte-order mark in its default .xls form, or comma-delimited; roster.py reads both.
"""

import csv
import re
from pathlib import Path, PurePosixPath

from autograder.exports.options import ExportError, ExportOptions, score_text
from autograder.lms.platform import FeedbackDelivery, Platform, RosterFormat
from autograder.pages.feedback_page import (
    StudentFeedback,
    feedback_for,
    render_feedback_fragment,
)
from autograder.standing import Standing
from autograder.student import Student, get

NAME = re.compile(
    r"^(?P<assignment>.+)_(?P<user>[^_]+)_attempt_"
    r"(?P<stamp>(?P<date>\d{4}-\d{2}-\d{2})-(?P<hour>\d{2})-(?P<minute>\d{2})-(?P<second>\d{2}))"
    r"(?:_(?P<file>.+)|\.txt)$"
)


def parse_name(name: str) -> dict | None:
    """The parts of a Blackboard download entry's file name, or None if it is not one."""
    match = NAME.match(name)
    return match.groupdict() if match else None


def submitted_at(parts: dict) -> str:
    """The attempt's stamp as naive ISO 8601: the export gives it the course's time zone."""
    return f"{parts['date']}T{parts['hour']}:{parts['minute']}:{parts['second']}"


def entry_identity(path: PurePosixPath) -> dict | None:
    parts = parse_name(path.name)
    if parts is None:
        return None
    # No late mark: Blackboard shows lateness only in its web view; the time says it all
    # "username:": the roster's Username column, the one id Blackboard itself matches by
    return {"student": f"username:{parts['user']}", "submitted_at": submitted_at(parts)}


# -- the class list: Grade Center → Work Offline → Download --------------------------------

# Blackboard writes these in every Grade Center download, before the grade columns
_ALWAYS = {"last name", "first name", "username"}
_ALSO = {"student id", "last access", "availability"}


def roster(headers: set[str], rows: list[dict]) -> list[Student] | None:
    """Students of a Blackboard Grade Center download, or None if the file is not one."""
    if not _ALWAYS <= headers or not _ALSO & headers:
        return None
    return [_student(row) for row in rows if get(row, "Username")]


def _student(row: dict) -> Student:
    first, last = get(row, "First Name"), get(row, "Last Name")
    return Student(
        name=" ".join(part for part in (first, last) if part),
        username=get(row, "Username"),
        id_number=get(row, "Student ID"),
        first_name=first,
        last_name=last,
    )


# -- grades and feedback back: the Grade Center upload (Work Offline → Upload) -------------
#
# Blackboard matches rows by Username and a column by the "|<column id>" at the end of its
# header, "<name> [Total Pts: <max> Score] |<column id>". A header without a column id makes
# a new text column worth 0 points, so the id is required. The four columns after it are
# the ones a download "with comments for this column" has, and an upload reads them as
# that column's comments: Grading Notes (instructors only), Notes Format, Feedback to
# Learner (the student sees it beside the grade) and Feedback Format. The feedback is an
# HTML fragment of the student's feedback page: scores, each part, each check's message.

COMMENT_COLUMNS = ["Grading Notes", "Notes Format", "Feedback to Learner", "Feedback Format"]


def column_header(options: ExportOptions, max_score: float) -> str:
    if not options.assignment_id:
        raise ExportError(
            "Blackboard needs the Grade Center column id (--assignment-id, shown in the"
            " column's header of a downloaded Grade Center file): without it, Blackboard"
            " creates a new text column worth 0 points"
        )
    return f"{options.assignment} [Total Pts: {max_score:g} Score] |{options.assignment_id}"


def write_grades(standing: Standing, path: Path, options: ExportOptions) -> None:
    header = column_header(options, standing.max_score)
    without = [e.student.name for e in standing.entries if not e.student.username]
    if without:
        raise ExportError(
            "Blackboard matches students by Username, and the roster has none for: "
            + ", ".join(without[:10])
        )
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Last Name", "First Name", "Username", header, *COMMENT_COLUMNS])
        for entry in standing.entries:
            student = entry.student
            feedback = feedback_for(entry, standing.max_score)
            if feedback is None:
                note, comment = "No submission.", "<p>No submission.</p>"
            else:
                note = f"Graded from {feedback.file}."
                comment = render_feedback_fragment(feedback)
            writer.writerow(
                [
                    student.last_name or "",
                    student.first_name or "",
                    student.username,
                    score_text(entry.final),
                    note,
                    "PLAIN_TEXT",
                    comment,
                    "HTML",
                ]
            )


# -- feedback pages: a folder per username ----------------------------------------------
#
# Blackboard has no bulk upload of feedback files; the text feedback travels in the upload
# above, and the full pages are written one folder per Username, to attach by hand.


def feedback_folder_name(feedback: StudentFeedback, page_name: str) -> tuple[str | None, str]:
    """<username>/<page name>, or (None, why there is none)."""
    username = (feedback.student.username or "").strip()
    if not username:
        return None, "the roster gives no Username"
    if username in (".", "..") or re.search(r"[/\\\x00]", username):
        return None, f"the Username {username!r} is not a folder name"
    return f"{username}/{page_name}", ""


GRADE_CENTER = RosterFormat(
    roster, "a Blackboard Grade Center download (Last Name, First Name, Username, …)"
)
PLATFORM = Platform(
    name="blackboard",
    # Its entries name the roster's Username ("username:<name>"), a kind every roster has
    entry_identity=entry_identity,
    rosters=(GRADE_CENTER,),
    grade_files={"blackboard": write_grades},
    feedback={"blackboard": FeedbackDelivery(feedback_folder_name, zipped=False)},
)
