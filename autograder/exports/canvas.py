"""Canvas gradebook import CSV.

Canvas matches rows by ID (then SIS User ID, SIS Login ID), reads the columns Student,
ID, SIS User ID, SIS Login ID and Section, and skips the "Points Possible" row. An
assignment column is recognised by its title "<name> (<assignment id>)"; any other title
creates a new assignment, so the id is required.
"""

import csv
from pathlib import Path

from autograder.exports import ExportError, ExportOptions, score_text
from autograder.standing import Standing

FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def column_title(options: ExportOptions) -> str:
    if not options.assignment_id or not options.assignment_id.isdigit():
        raise ExportError(
            "Canvas needs the assignment id (--assignment-id, the number in the assignment's"
            " URL): without it, Canvas creates a new assignment instead of filling this one"
        )
    return f"{options.assignment} ({options.assignment_id})"


def write(standing: Standing, path: Path, options: ExportOptions) -> None:
    title = column_title(options)
    missing_ids = [e.student.name for e in standing.entries if not e.student.canvas_id]
    if missing_ids:
        raise ExportError(
            "Canvas matches students by their Canvas ID, and the roster has none for: "
            + ", ".join(missing_ids[:10])
            + ". Use the roster exported from this course's Canvas gradebook."
        )
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([*FIXED, title])
        writer.writerow(["Points Possible", "", "", "", "", score_text(standing.max_score)])
        for entry in standing.entries:
            student = entry.student
            writer.writerow(
                [
                    student.name,
                    student.canvas_id,
                    student.sis_user_id or "",
                    student.sis_login_id or "",
                    student.section or "",
                    score_text(entry.final),
                ]
            )
