"""The class list: who should have a grade, and every identifier an LMS knows them by.

Read from a platform's own class list (each platform's readers live in its module in
autograder/lms/) or a plain CSV with id, name and email. The format is recognised from
the header row.
"""

import csv
import io
from pathlib import Path

from autograder.lms.registry import ROSTER_READERS, USER_ID_KINDS, roster_descriptions
from autograder.student import RosterError, Student, get, norm


def load_roster(path: Path) -> list[Student]:
    rows = _rows(path)
    if not rows:
        raise RosterError(f"the roster {path} has no students")
    headers = {norm(header) for header in rows[0] if header}
    for read in (*ROSTER_READERS, _plain_roster):
        students = read(headers, rows)
        if students is not None:
            break
    else:
        raise RosterError(
            f"the roster {path} is not {', '.join(roster_descriptions())}"
            " or a CSV with id, name and email columns"
        )
    _refuse_duplicates(students, path)
    return students


def _rows(path: Path) -> list[dict]:
    """The rows of a comma- or tab-delimited class list, in UTF-8 or UTF-16.

    Some platforms write tab-delimited UTF-16 text with a byte-order mark (a spreadsheet
    download); others UTF-8 CSV, with or without one.
    """
    try:
        raw = path.read_bytes()
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16's byte-order marks
        text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"can't read the roster {path}: {error}") from None
    header = text.split("\n", 1)[0]
    delimiter = "\t" if header.count("\t") > header.count(",") else ","
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def _plain_roster(headers: set[str], rows: list[dict]) -> list[Student] | None:
    if not {"id", "name", "email"} <= headers:
        return None
    return [_plain(row) for row in rows]


def _plain(row: dict) -> Student:
    name = get(row, "name") or ""
    first, _, last = name.rpartition(" ")
    return Student(
        name=name,
        id_number=get(row, "id"),
        email=get(row, "email"),
        username=get(row, "username"),
        sis_user_id=get(row, "sis user id", "sis_user_id"),
        section=get(row, "section"),
        user_ids=user_ids_of_plain_row(row),
        first_name=first or None,
        last_name=last or name or None,
    )


def user_ids_of_plain_row(row: dict) -> tuple[tuple[str, str], ...]:
    """A plain roster's columns that hold a platform's user id: "<kind> id" or "<kind>_id"."""
    found = ((kind, get(row, f"{kind} id", f"{kind}_id")) for kind in USER_ID_KINDS)
    return tuple((kind, value) for kind, value in found if value)


def _refuse_duplicates(students: list[Student], path: Path) -> None:
    seen: dict[str, str] = {}
    for student in students:
        if student.key in seen:
            raise RosterError(
                f"the roster {path} lists {student.key} twice ({seen[student.key]} and"
                f" {student.name})"
            )
        seen[student.key] = student.name
