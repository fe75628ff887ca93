"""Feedback pages delivered: a folder of pages, one per student.

- html: one page per student, named from the student's roster key, and an index.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.report.classreport import esc
from autograder.report.student_page import StudentFeedback, feedback_for, render_student_page
from autograder.standing import Standing


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


ZIP_ENTRY_NAMES: dict = {}  # each LMS's name for a page in its zip
FORMATS = ("html", *ZIP_ENTRY_NAMES)
