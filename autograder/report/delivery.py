"""Feedback pages delivered: a folder of pages, or a zip an LMS attaches to each submission.

- html: one page per student, named from the student's roster key, and an index.
- canvas: a zip for the assignment's "Re-Upload Submissions". Canvas reads the user id
  and the attachment id as the first two all-digit "_"-separated tokens of an entry's
  name and attaches the file as a comment on that submission, so each page is named
  after the student's own download entry: "<name>[_LATE]_<user id>_<attachment id>_
  feedback.html".
- moodle: a zip for "Upload multiple feedback files in a zip". Moodle splits each path
  on "_" into the name, the participant id, the plugin ("assignfeedback_file") and the
  file name, and attaches the file to that participant's feedback.

A page goes only where the submission's own download entry says it belongs: a student
whose file came from elsewhere, or whose entry names someone the roster gives another
id, gets no page in a zip and is listed instead.
"""

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath

from autograder.lms import canvas, moodle
from autograder.report.classreport import esc
from autograder.report.student_page import StudentFeedback, feedback_for, render_student_page
from autograder.standing import Standing

PAGE_NAME = "feedback.html"


class DeliveryError(Exception):
    """The feedback can't be written; the message says why."""


@dataclass
class Delivery:
    written: dict[str, str] = field(default_factory=dict)  # student key -> page or zip entry
    skipped: list[str] = field(default_factory=list)  # one line per student without a page


def deliver(format: str, standing: Standing, title: str, out: Path) -> Delivery:
    if format != "html" and format not in ZIP_ENTRY_NAMES:
        raise DeliveryError(f"unknown format {format!r}: one of {', '.join(FORMATS)}")
    delivery = Delivery()
    pages = []
    for entry in standing.entries:
        feedback = feedback_for(entry, standing.max_score)
        if feedback is None:
            delivery.skipped.append(f"No submission: {entry.student.name}")
        else:
            pages.append(feedback)
    if format == "html":
        _write_folder(pages, title, out, delivery)
    else:
        _write_zip(pages, title, out, ZIP_ENTRY_NAMES[format], delivery)
    for row in standing.unmatched:
        delivery.skipped.append(f"Unmatched submission (no roster student): {row['source_path']}")
    return delivery


# ---- a folder ----------------------------------------------------------------------------


def safe_file_name(key: str) -> str:
    """A roster key as a file name any system accepts: letters, digits, '.', '-', '_'."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", key).strip("._") or "student"


def _write_folder(pages: list[StudentFeedback], title: str, out: Path, delivery: Delivery):
    out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    links = []
    for feedback in pages:
        stem = safe_file_name(feedback.student.key)
        name, number = f"{stem}.html", 2
        while name in used or name == "index.html":  # two keys that read the same here
            name, number = f"{stem}-{number}.html", number + 1
        used.add(name)
        (out / name).write_text(render_student_page(feedback, title), encoding="utf-8")
        delivery.written[feedback.student.key] = name
        links.append(
            f'<li><a href="{esc(name)}">{esc(feedback.student.name)}</a>:'
            f" {esc(f'{feedback.final:g} / {feedback.max_score:g}')}</li>"
        )
    (out / "index.html").write_text(_index(title, links), encoding="utf-8")


def _index(title: str, links: list[str]) -> str:
    heading = f"{title}: feedback pages"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(heading)}</title></head><body><h1>{esc(heading)}</h1>"
        f"<ul>{''.join(links)}</ul></body></html>\n"
    )


# ---- zips for an LMS ---------------------------------------------------------------------


def _write_zip(pages, title: str, out: Path, name_for, delivery: Delivery) -> None:
    entries = []
    for feedback in pages:
        name, problem = name_for(feedback)
        if name is None:
            delivery.skipped.append(f"Skipped {feedback.student.name}: {problem}")
        else:
            entries.append((feedback, name))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:  # whole or not at all: a half-written zip must never be uploaded
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for feedback, name in entries:
                archive.writestr(name, render_student_page(feedback, title))
                delivery.written[feedback.student.key] = name
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def _canvas_entry(feedback: StudentFeedback) -> tuple[str | None, str]:
    source = PurePath(feedback.source_path).name
    parts = canvas.parse_name(source)
    if parts is None:
        return None, f"{source} is not a file from a Canvas download"
    if not parts.get("attachment"):
        return None, f"{source} is a Canvas text or URL entry: it has no file to comment on"
    if parts.get("anonymous"):
        return None, f"{source} is an anonymous Canvas entry: it names no user id"
    claimed = feedback.student.canvas_id
    if claimed and claimed.strip() != parts["user"]:
        return None, f"{source} is Canvas user {parts['user']}, the roster says {claimed}"
    prefix = source[: len(source) - len(parts["file"]) - 1]  # "<name>[_LATE]_<user>_<att>"
    name = f"{prefix}_{PAGE_NAME}"
    if canvas_ids(name) != (parts["user"], parts["attachment"]):  # a name of digits alone
        return None, f"{source}: Canvas would read other ids from this name"
    return name, ""


def canvas_ids(name: str) -> tuple[str | None, str | None]:
    """The user and attachment ids Canvas's re-upload reads: the first two all-digit
    "_"-separated tokens of the name (Assignment#infer_comment_context_from_filename)."""
    digits = [token for token in name.split("_") if token.isascii() and token.isdigit()]
    return (digits + [None, None])[0], (digits + [None, None])[1]


def _moodle_entry(feedback: StudentFeedback) -> tuple[str | None, str]:
    parts = moodle.parse_path(PurePosixPath(feedback.source_path))
    if parts is None:
        return None, f"{feedback.file} is not a file from a Moodle download"
    claimed = feedback.student.participant_id
    if claimed and claimed.strip() != parts["participant"]:
        return None, (
            f"{feedback.file} is Moodle participant {parts['participant']},"
            f" the roster says {claimed}"
        )
    # Moodle writes the name with "_" turned into spaces, so the split finds the id.
    return f"{parts['who']}_{parts['participant']}_assignfeedback_file_{PAGE_NAME}", ""


# Each LMS's name for a student's page in its zip: (name, "") or (None, why not).
ZIP_ENTRY_NAMES = {"canvas": _canvas_entry, "moodle": _moodle_entry}
FORMATS = ("html", *ZIP_ENTRY_NAMES)
