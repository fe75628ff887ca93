"""Canvas: the names in an assignment's "Download Submissions" zip, and its class list.

Canvas (lib/content_zipper.rb) names an entry [sortable name, "LATE" if late, user id]
joined by "_" and stripped of non-word characters, so any Unicode letter or digit of the
name stays (김철수, müllerjosé); then "_<attachment id>_<file name>". Text and URL entries
end "_text.html" and "_link.html" instead. With anonymous grading there is no name and the
id is "anon_<anonymous id>". Older downloads wrote the late mark in lower case.
"""

import re
from pathlib import PurePosixPath

from autograder.roster import Student, get

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
        "student": f"canvas-anonymous:{anonymous}" if anonymous else f"canvas:{parts['user']}",
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
        canvas_id=get(row, "ID"),
        sis_user_id=get(row, "SIS User ID"),
        sis_login_id=get(row, "SIS Login ID"),
        section=get(row, "Section"),
    )
