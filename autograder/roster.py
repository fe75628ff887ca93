"""The class list: who should have a grade, and every identifier an LMS knows them by.

Read from a platform's own class list (each platform's reader lives in autograder/lms/),
a Moodle participants export, or a plain CSV with id, name and email. The format is
recognised from the header row.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path


class RosterError(Exception):
    """The roster file can't be used; the message says why."""


@dataclass(frozen=True)
class Student:
    name: str  # as the LMS shows it: "Lovelace, Ada" in Canvas, "Ada Lovelace" elsewhere
    canvas_id: str | None = None  # Canvas's numeric user id ("ID")
    sis_user_id: str | None = None
    sis_login_id: str | None = None
    section: str | None = None
    email: str | None = None
    username: str | None = None
    id_number: str | None = None  # Moodle's idnumber, or a plain roster's id
    first_name: str | None = None
    last_name: str | None = None
    participant_id: str | None = None  # Moodle's "Participant 123" in one assignment
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def identifiers(self) -> set[str]:
        """Every "kind:value" this student can be recognised by, lower-cased."""
        pairs = {
            "canvas": self.canvas_id,
            "sis": self.sis_user_id,
            "login": self.sis_login_id,
            "email": self.email,
            "username": self.username,
            "id": self.id_number,
        }
        found = {f"{kind}:{value.strip().lower()}" for kind, value in pairs.items() if value}
        # Not under "any:": a participant id means nothing outside its one assignment.
        if self.participant_id:
            found.add(f"moodle-participant:{self.participant_id.strip()}")
        # A bare value matches any kind: Gradescope's "sid" is whatever the course used.
        found |= {f"any:{value.strip().lower()}" for value in pairs.values() if value}
        return found

    @property
    def key(self) -> str:
        """One stable identifier for this roster entry."""
        for kind, value in (
            ("canvas", self.canvas_id),
            ("sis", self.sis_user_id),
            ("id", self.id_number),
            ("email", self.email),
            ("username", self.username),
            ("moodle-participant", self.participant_id),
        ):
            if value:
                return f"{kind}:{value}"
        return f"name:{self.name}"


def load_roster(path: Path) -> list[Student]:
    from autograder.lms import ROSTERS  # platform modules build on Student, defined here

    rows = _rows(path)
    if not rows:
        raise RosterError(f"the roster {path} has no students")
    headers = {norm(header) for header in rows[0] if header}
    for read in (*ROSTERS, _moodle_participants, _plain_roster):
        students = read(headers, rows)
        if students is not None:
            break
    else:
        raise RosterError(
            f"the roster {path} is not a Canvas gradebook export (Student, ID, SIS User ID, …),"
            " a Moodle grading worksheet (Identifier, Full name, …) or participants export"
            " (First name, Last name, Email address, …), a Blackboard Grade Center download"
            " (Last Name, First Name, Username, …) or a CSV with id, name and email columns"
        )
    _refuse_duplicates(students, path)
    return students


def _rows(path: Path) -> list[dict]:
    """The rows of a comma- or tab-delimited class list, in UTF-8 or UTF-16.

    Blackboard's default Grade Center download (.xls) is tab-delimited UTF-16 text with a
    byte-order mark; Canvas and Moodle write UTF-8 CSV, with or without one.
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


def _moodle_participants(headers: set[str], rows: list[dict]) -> list[Student] | None:
    names = {"first name", "surname"} <= headers or {"first name", "last name"} <= headers
    if "email address" not in headers or not names:
        return None
    return [_moodle(row) for row in rows]


def _plain_roster(headers: set[str], rows: list[dict]) -> list[Student] | None:
    if not {"id", "name", "email"} <= headers:
        return None
    return [_plain(row) for row in rows]


def norm(header: str) -> str:
    return " ".join(header.strip().lower().split())


def get(row: dict, *names: str) -> str | None:
    wanted = {norm(name) for name in names}
    for header, value in row.items():
        if header and norm(header) in wanted and value and value.strip():
            return value.strip()
    return None


def _moodle(row: dict) -> Student:
    first, last = get(row, "First name"), get(row, "Last name", "Surname")
    return Student(
        name=" ".join(part for part in (first, last) if part),
        email=get(row, "Email address"),
        username=get(row, "Username"),
        id_number=get(row, "ID number", "idnumber"),
        first_name=first,
        last_name=last,
    )


def _plain(row: dict) -> Student:
    name = get(row, "name") or ""
    first, _, last = name.rpartition(" ")
    return Student(
        name=name,
        id_number=get(row, "id"),
        email=get(row, "email"),
        username=get(row, "username"),
        canvas_id=get(row, "canvas id", "canvas_id"),
        sis_user_id=get(row, "sis user id", "sis_user_id"),
        section=get(row, "section"),
        first_name=first or None,
        last_name=last or name or None,
    )


def _refuse_duplicates(students: list[Student], path: Path) -> None:
    seen: dict[str, str] = {}
    for student in students:
        if student.key in seen:
            raise RosterError(
                f"the roster {path} lists {student.key} twice ({seen[student.key]} and"
                f" {student.name})"
            )
        seen[student.key] = student.name
