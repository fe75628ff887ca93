"""Moodle (mod/assign): the names in "Download all submissions", and the grading worksheet.

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
Last modified (grade) and the feedback columns.
"""

import re
import unicodedata
from pathlib import PurePosixPath

from autograder.roster import Student, get

PLATFORM = "moodle-participant"
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
        "student": f"{PLATFORM}:{parts['participant']}",
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
        participant_id=participant_id(get(row, "Identifier")),
        first_name=first or None,
        last_name=last or None,
        extra=dict(row),  # the row as downloaded, to be written back with the grade
    )
