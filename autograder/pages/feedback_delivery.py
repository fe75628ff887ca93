"""Feedback pages delivered: a folder of pages, or what an LMS attaches to each submission.

- html: one page per student, named from the student's roster key, and an index.
- canvas: a zip for the assignment's "Re-Upload Submissions";
- moodle: a zip for "Upload multiple feedback files in a zip";
- blackboard: a folder per Username (its text feedback goes in the grade upload).

Each platform's module in autograder/lms/ names a student's page. A page goes only where
the submission's own download entry says it belongs: a student whose file came from
elsewhere, or whose entry names someone the roster gives another id, gets no page in a
zip and is listed instead.
"""

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.gradebook import Gradebook
from autograder.lab import Lab
from autograder.lms.registry import FEEDBACK
from autograder.matching import ClassList, class_standing
from autograder.pages.feedback_page import StudentFeedback, feedback_for, render_student_page
from autograder.pages.html import esc
from autograder.standing import Standing

PAGE_NAME = "feedback.html"


class DeliveryError(Exception):
    """The feedback can't be written; the message says why."""


@dataclass
class Delivery:
    written: dict[str, str] = field(default_factory=dict)  # student key -> page or zip entry
    skipped: list[str] = field(default_factory=list)  # one line per student without a page


def deliver(format: str, standing: Standing, title: str, out: Path) -> Delivery:
    if format not in FORMATS:
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
        how = FEEDBACK[format]
        _write_named(pages, title, out, how.name_for, how.zipped, delivery)
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


# ---- named for an LMS: a zip, or folders ------------------------------------------------


def _write_named(pages, title: str, out: Path, name_for, zipped: bool, delivery: Delivery):
    entries, used = [], set()
    for feedback in pages:
        name, problem = name_for(feedback, PAGE_NAME)
        if name is not None and name in used:
            name, problem = None, "another student's page already has this name"
        if name is None:
            delivery.skipped.append(f"Skipped {feedback.student.name}: {problem}")
        else:
            used.add(name)
            entries.append((feedback, name))
    if not zipped:
        for feedback, name in entries:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(render_student_page(feedback, title), encoding="utf-8")
            delivery.written[feedback.student.key] = name
        return
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


FORMATS = ("html", *FEEDBACK)  # a folder of pages, or each platform's own delivery


def write_feedback(
    format: str, gradebook_path: Path, lab: Lab, class_list: ClassList, out: Path
) -> Delivery:
    """`autograder feedback`: every student's page of one lab, delivered as FORMAT."""
    gradebook = Gradebook.open(gradebook_path)
    try:
        standing = class_standing(gradebook, lab.reference, class_list, lab.parts)
    finally:
        gradebook.close()
    return deliver(format, standing, lab.title, out)
