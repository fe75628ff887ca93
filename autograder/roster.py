"""The class list: who should have a grade, and every identifier an LMS knows them by.

Read from a Canvas gradebook export, a Moodle participants export, or a plain CSV with
id, name and email. The format is recognised from the header row.
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
        ):
            if value:
                return f"{kind}:{value}"
        return f"name:{self.name}"


def load_roster(path: Path) -> list[Student]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"can't read the roster {path}: {error}") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise RosterError(f"the roster {path} has no students")
    headers = {_norm(header) for header in rows[0] if header}
    if {"student", "id", "sis user id"} <= headers:
        students = [_canvas(row) for row in rows if _is_canvas_student(row)]
    elif {"email address"} <= headers and (
        {"first name", "surname"} <= headers
        or {
            "first name",
            "last name",
        }
        <= headers
    ):
        students = [_moodle(row) for row in rows]
    elif {"id", "name", "email"} <= headers:
        students = [_plain(row) for row in rows]
    else:
        raise RosterError(
            f"the roster {path} is not a Canvas gradebook export (Student, ID, SIS User ID, …),"
            " a Moodle participants export (First name, Last name, Email address, …) or a"
            " CSV with id, name and email columns"
        )
    _refuse_duplicates(students, path)
    return students


def _norm(header: str) -> str:
    return " ".join(header.strip().lower().split())


def _get(row: dict, *names: str) -> str | None:
    wanted = {_norm(name) for name in names}
    for header, value in row.items():
        if header and _norm(header) in wanted and value and value.strip():
            return value.strip()
    return None


def _is_canvas_student(row: dict) -> bool:
    """Canvas puts a "Points Possible" row under the header, and a test student at the end."""
    name = (_get(row, "Student") or "").strip()
    return bool(name) and name != "Points Possible" and name != "Student, Test"


def _canvas(row: dict) -> Student:
    return Student(
        name=_get(row, "Student") or "",
        canvas_id=_get(row, "ID"),
        sis_user_id=_get(row, "SIS User ID"),
        sis_login_id=_get(row, "SIS Login ID"),
        section=_get(row, "Section"),
    )


def _moodle(row: dict) -> Student:
    first, last = _get(row, "First name"), _get(row, "Last name", "Surname")
    return Student(
        name=" ".join(part for part in (first, last) if part),
        email=_get(row, "Email address"),
        username=_get(row, "Username"),
        id_number=_get(row, "ID number", "idnumber"),
        first_name=first,
        last_name=last,
    )


def _plain(row: dict) -> Student:
    name = _get(row, "name") or ""
    first, _, last = name.rpartition(" ")
    return Student(
        name=name,
        id_number=_get(row, "id"),
        email=_get(row, "email"),
        username=_get(row, "username"),
        canvas_id=_get(row, "canvas id", "canvas_id"),
        sis_user_id=_get(row, "sis user id", "sis_user_id"),
        section=_get(row, "section"),
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
