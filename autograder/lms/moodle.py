"""Moodle (mod/assign): the names in "Download all submissions", the grading worksheet (as
the class list, and filled in for "Upload grading worksheet"), the gradebook import CSV,
and the names of feedback files for "Upload multiple feedback files in a zip".

Moodle (mod/assign/classes/downloader.php) starts every entry with a prefix: the student's
full name with "_" turned into spaces, "_", and the participant id that the assignment
gives each student (assign_user_mapping, the number in "Participant 123"), NOT the user
id. Under blind marking the name is "Participant". Then "_assignsubmission_<plugin>" and:

- with "download submissions in folders" (the default): a folder, then the file's own
  path: "Ada Lovelace_123_assignsubmission_file/lab.ipynb"; before Moodle 4.1 the folder
  ended in "_": "Ada Lovelace_123_assignsubmission_file_/lab.ipynb";
- without folders: "_<file>": "Ada Lovelace_123_assignsubmission_file_lab.ipynb".

The online text plugin's entry is "…_assignsubmission_onlinetext/onlinetext.html" (or
"…_onlinetext_onlinetext.html"). The names carry no submission time, and the zip's
entry times are the time of the download, so a Moodle entry has neither time nor a
late mark.

The grading worksheet (Grading action → Download grading worksheet) lists each
participant as "Identifier" = "Participant <id>", with Full name and the identity fields
the site shows (Email address), Status, Grade, Maximum Grade, Grade can be changed,
Last modified (submission), Last modified (grade) and one column per feedback plugin
(Feedback comments). Moodle's "Upload grading worksheet" reads back Identifier, Grade,
Last modified (grade) and the feedback columns. Its dates are Moodle's English
"Tuesday, 1 December 2026, 11:00 PM" in the downloading teacher's time zone: "Last
modified (submission)" is when the student last changed the submission, the time the
late policy reads (in --timezone), since the download itself carries none.
"""

import csv
import re
import unicodedata
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath

from autograder.exports.options import ExportError, ExportOptions, score_text
from autograder.lms.platform import FeedbackDelivery, Platform, RosterFormat
from autograder.pages.feedback_page import StudentFeedback
from autograder.standing import Entry, Standing
from autograder.student import Student, get, norm

KIND = "moodle-participant"  # identity "moodle-participant:<participant id>"
_PREFIX = r"(?P<who>[^/_]*)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)"
FOLDER = re.compile(rf"^{_PREFIX}_?$")  # 4.1 and later; before 4.1 with a trailing "_"
FLAT = re.compile(rf"^{_PREFIX}_(?P<file>.+)$")  # "download submissions in folders" off
BLIND_NAME = "Participant"  # the full name Moodle writes under blind marking
ONLINE_TEXT_PROBLEM = (
    "this is a Moodle online text entry, not a notebook: submit the .ipynb file as a file"
    " submission"
)
WORKSHEET_HEADERS = {"identifier", "grade", "last modified (grade)"}
PARTICIPANT = re.compile(r"^\D*?(\d+)$")  # "Participant 123" in any language


def parse_path(path: PurePosixPath) -> dict | None:
    """who, participant, plugin and file of a Moodle download entry; None if not one.

    Any folder of the path may be the student's: the download is often unpacked into a
    folder of its own before grading."""
    for folder in path.parts[:-1]:
        match = FOLDER.match(folder)
        if match is not None:
            return {**match.groupdict(), "file": path.name}
    match = FLAT.match(path.name)
    return match.groupdict() if match is not None else None


def entry_identity(path: PurePosixPath) -> dict | None:
    parts = parse_path(path)
    if parts is None:
        return None
    online_text = parts["plugin"] == "onlinetext" and parts["file"].lower().endswith(".html")
    return {
        "student": f"{KIND}:{parts['participant']}",
        # A student may hand in a file and online text; the file is the one to grade.
        "order": 1 if parts["plugin"] == "file" else 0,
        "problem": ONLINE_TEXT_PROBLEM if online_text else None,
    }


def full_name(source_path: str) -> str | None:
    """The student's full name in a Moodle entry's stored path; None under blind marking."""
    parts = parse_path(PurePosixPath(source_path))
    if parts is None or parts["who"].strip() in ("", BLIND_NAME):
        return None
    return parts["who"]


def name_key(name: str) -> str:
    """A name as the download and a class list can both give it: Moodle turns "_" into
    spaces and drops characters a file name can't hold; zips from a Mac decompose accents."""
    text = unicodedata.normalize("NFC", name).replace("_", " ")
    text = re.sub(r"""[\x00-\x1f&<>"`|':\\/*?]""", "", text)
    return " ".join(text.casefold().split())


# -- the grading worksheet as a class list ------------------------------------------------


def roster(headers: set[str], rows: list[dict]) -> list[Student] | None:
    """Students of a Moodle grading worksheet, or None if the file is not one."""
    if not WORKSHEET_HEADERS <= headers:
        return None
    return [_student(row) for row in rows if participant_id(get(row, "Identifier"))]


def participant_id(identifier: str | None) -> str | None:
    match = PARTICIPANT.match((identifier or "").strip())
    return match.group(1) if match else None


def _student(row: dict) -> Student:
    name = get(row, "Full name") or get(row, "Identifier") or ""
    first, _, last = name.rpartition(" ")
    return Student(
        name=name,
        email=get(row, "Email address"),
        assignment_ids=((KIND, number),)
        if (number := participant_id(get(row, "Identifier")))
        else (),
        first_name=first or None,
        last_name=last or None,
        extra=dict(row),  # the row as downloaded, to be written back with the grade
    )


def submitted_at(student: Student) -> datetime | None:
    """When the student last changed their submission, from their worksheet row (naive,
    in the teacher's time zone); None without a worksheet or a time in it."""
    return parse_worksheet_time(get(student.extra, SUBMISSION_MODIFIED) or "")


# -- worksheet dates ------------------------------------------------------------------------

GRADE = "Grade"
FEEDBACK = "Feedback comments"
GRADE_MODIFIED = "Last modified (grade)"
SUBMISSION_MODIFIED = "Last modified (submission)"
# English names, whatever the locale: the worksheet's dates are Moodle's English ones.
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
_WORKSHEET_TIME = re.compile(
    r"^(?:[A-Za-z]+,\s*)?(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\s+(?P<year>\d{4}),?\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<half>AM|PM|am|pm)?$"
)


def worksheet_time(moment: datetime) -> str:
    """A time as Moodle's worksheet writes it (userdate, strftimedaydatetime)."""
    hour = moment.hour % 12 or 12
    return (
        f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year},"
        f" {hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    )


def parse_worksheet_time(text: str) -> datetime | None:
    """The inverse of worksheet_time, naive; None for "-", blank or another form."""
    match = _WORKSHEET_TIME.match(text.strip())
    if match is None or match["month"].capitalize() not in MONTHS:
        return None
    hour = int(match["hour"])
    if match["half"]:
        hour = hour % 12 + (12 if match["half"].upper() == "PM" else 0)
    try:
        return datetime(int(match["year"]), MONTHS.index(match["month"].capitalize()) + 1,
                        int(match["day"]), hour, int(match["minute"]))  # fmt: skip
    except ValueError:
        return None


# -- grades back: the gradebook import CSV ---------------------------------------------------
#
# An identifier column, a grade column and a feedback column. On import the teacher maps
# the identifier column to the matching user field (email address, username or ID
# number), the grade column to the assignment and the feedback column to its feedback.

IDENTIFIERS = {"email": "Email address", "username": "Username", "idnumber": "ID number"}


def identifier_of(entry: Entry, kind: str) -> str | None:
    student = entry.student
    return {"email": student.email, "username": student.username, "idnumber": student.id_number}[
        kind
    ]


def feedback_line(entry: Entry, max_score: float) -> str:
    """One line a student reads next to the grade."""
    if entry.status == "missing":
        return "No submission."
    parts = ", ".join(f"{part} {score:g}" for part, score in entry.parts.items())
    line = f"{entry.raw:g} / {max_score:g}" + (f" ({parts})" if parts else "")
    overridden = "".join(f" {note}" for note in entry.override_notes(for_student=True))
    if entry.status == "not gradable":
        return f"{line}. {entry.reason}{overridden}"
    if entry.lateness and entry.lateness.days:
        line += f"; late penalty −{entry.penalty:g}, final {entry.final:g}"
    return f"{line}.{overridden}"


def write_grades(standing: Standing, path: Path, options: ExportOptions) -> None:
    if options.identifier not in IDENTIFIERS:
        raise ExportError(f"--identifier must be one of {', '.join(IDENTIFIERS)}")
    without = [e.student.name for e in standing.entries if not identifier_of(e, options.identifier)]
    if without:
        raise ExportError(
            f"Moodle would match students by {IDENTIFIERS[options.identifier]}, and the roster"
            f" has none for: {', '.join(without[:10])}. Choose another --identifier."
        )
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([IDENTIFIERS[options.identifier], options.assignment, "Feedback"])
        for entry in standing.entries:
            writer.writerow(
                [
                    identifier_of(entry, options.identifier),
                    score_text(entry.final),
                    feedback_line(entry, standing.max_score),
                ]
            )


# -- grades back: the grading worksheet, filled in ------------------------------------------
#
# Written from the worksheet the teacher downloaded (given as --roster): the same columns
# in the same order and every row with its Identifier unchanged, with Grade, Feedback
# comments and "Last modified (grade)" filled in. Moodle skips a row whose grade in Moodle
# was modified after that row's "Last modified (grade)", so the export time goes there, in
# the worksheet's own form, which PHP's strtotime reads in the Moodle server's time zone.


def write_worksheet(
    standing: Standing, path: Path, options: ExportOptions, now: datetime | None = None
) -> None:
    rows = [entry.student.extra for entry in standing.entries]
    if not rows or not all(entry.student.assignment_id(KIND) for entry in standing.entries):
        raise ExportError(
            "moodle-worksheet writes back Moodle's grading worksheet: give the worksheet"
            " (Grading action → Download grading worksheet) as --roster"
        )
    columns = list(rows[0])
    headers = {norm(column): column for column in columns}
    stamp = worksheet_time(now or datetime.now(options.timezone).replace(tzinfo=None))
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        for entry in standing.entries:
            filled = {
                norm(GRADE): score_text(entry.final),
                norm(FEEDBACK): feedback_line(entry, standing.max_score),
                norm(GRADE_MODIFIED): stamp,
            }
            row = dict(entry.student.extra)
            for key, value in filled.items():
                if key in headers:  # no feedback column when the assignment has none
                    row[headers[key]] = value
            writer.writerow(row)


# -- feedback back: a zip for "Upload multiple feedback files in a zip" ---------------------
#
# Moodle splits each path on "_" into the name, the participant id, the plugin
# ("assignfeedback_file") and the file name, and attaches the file to that participant's
# feedback.


def feedback_entry_name(feedback: StudentFeedback, page_name: str) -> tuple[str | None, str]:
    """The zip entry name for a student's page, or (None, why there is none)."""
    parts = parse_path(PurePosixPath(feedback.source_path))
    if parts is None:
        return None, f"{feedback.file} is not a file from a Moodle download"
    claimed = feedback.student.assignment_id(KIND)
    if claimed and claimed.strip() != parts["participant"]:
        return None, (
            f"{feedback.file} is Moodle participant {parts['participant']},"
            f" the roster says {claimed}"
        )
    # Moodle writes the name with "_" turned into spaces, so the split finds the id.
    return f"{parts['who']}_{parts['participant']}_assignfeedback_file_{page_name}", ""


# -- the participants export as a class list -------------------------------------------------
#
# Participants → Download table data as CSV: names and identity fields, but no participant
# ids, so its students are matched to entries by the full name in the entry's folder.


def participants_roster(headers: set[str], rows: list[dict]) -> list[Student] | None:
    """Students of a Moodle participants export, or None if the file is not one."""
    names = {"first name", "surname"} <= headers or {"first name", "last name"} <= headers
    if "email address" not in headers or not names:
        return None
    return [_participant(row) for row in rows]


def _participant(row: dict) -> Student:
    first, last = get(row, "First name"), get(row, "Last name", "Surname")
    return Student(
        name=" ".join(part for part in (first, last) if part),
        email=get(row, "Email address"),
        username=get(row, "Username"),
        id_number=get(row, "ID number", "idnumber"),
        first_name=first,
        last_name=last,
    )


def match_by_name(rows: list[dict], roster: list[Student]) -> tuple[dict[int, Student], list[str]]:
    """Entries matched by the full name in their folder or file name, when the roster has
    no participant ids (a participants export rather than the grading worksheet). A name
    two students share matches neither, and is listed."""
    if any(student.assignment_id(KIND) for student in roster):
        return {}, []  # the worksheet's ids decide; a name must not overrule them
    holders: dict[str, list[Student]] = {}
    for student in roster:
        holders.setdefault(name_key(student.name), []).append(student)
    found, problems = {}, []
    for row in rows:
        name = full_name(row["source_path"])
        if name is None:
            continue  # not a Moodle entry, or blind marked: its name says nobody
        students = holders.get(name_key(name), [])
        if len(students) == 1:
            found[row["id"]] = students[0]
        elif students:
            keys = ", ".join(student.key for student in students)
            problems.append(f"{row['source_path']}: {len(students)} roster students are"
                            f" named {name!r} ({keys}); give a --map row")  # fmt: skip
    return found, problems


def submission_time(student: Student, row: dict, zone: tzinfo | None):
    """The download carries no time: the worksheet's last change of the submission does."""
    changed = submitted_at(student)
    if changed is None:
        return None
    return changed.replace(tzinfo=zone), "the grading worksheet's last modified (submission)"


WORKSHEET = RosterFormat(roster, "a Moodle grading worksheet (Identifier, Full name, …)")
PARTICIPANTS = RosterFormat(
    participants_roster, "a Moodle participants export (First name, Last name, Email address, …)"
)
PLATFORM = Platform(
    name="moodle",
    identity_kinds=(KIND,),
    own_id_only=(KIND,),  # a participant id means nothing outside its one assignment
    entry_identity=entry_identity,
    rosters=(WORKSHEET, PARTICIPANTS),
    submission_time=submission_time,
    match_by_name=match_by_name,
    grade_files={"moodle": write_grades, "moodle-worksheet": write_worksheet},
    feedback={"moodle": FeedbackDelivery(feedback_entry_name, zipped=True)},
)
