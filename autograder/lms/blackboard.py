"""Blackboard Learn: the names in an assignment's "Download Assignment" zip, and the Grade
Center download.

Blackboard names each attached file "<assignment>_<username>_attempt_<stamp>_<file name>"
and writes a receipt "<assignment>_<username>_attempt_<stamp>.txt" for each attempt. The
stamp, YYYY-MM-DD-HH-MM-SS, is when the attempt was submitted, in the course's time zone
and without an offset: the export reads it in its --timezone. The assignment name may hold
underscores and spaces; a username holds none in practice (letters, digits, dots, hyphens,
an e-mail address), so the username is the part just before "_attempt_". A username with
an underscore reads as its last part and is listed unmatched: a mapping file claims it.

The Grade Center download (Work Offline → Download) is tab-delimited UTF-16 with a
byte-order mark in its default .xls form, or comma-delimited; roster.py decodes both.
"""

import re
from pathlib import PurePosixPath

from autograder.roster import Student, get

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
    return {"student": f"blackboard:{parts['user']}", "submitted_at": submitted_at(parts)}


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
