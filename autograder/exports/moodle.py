"""Moodle grade import CSV: an identifier column, a grade column and a feedback column.

On import the teacher maps the identifier column to the matching user field (email
address, username or ID number), the grade column to the assignment and the feedback
column to its feedback.
"""

import csv
from pathlib import Path

from autograder.exports import ExportError, ExportOptions, score_text
from autograder.standing import Entry, Standing

IDENTIFIERS = {"email": "Email address", "username": "Username", "idnumber": "ID number"}


def identifier_of(entry: Entry, kind: str) -> str | None:
    student = entry.student
    return {"email": student.email, "username": student.username, "idnumber": student.id_number}[
        kind
    ]


def feedback(entry: Entry, max_score: float) -> str:
    """One line a student reads next to the grade."""
    if entry.status == "missing":
        return "No submission."
    parts = ", ".join(f"{part} {score:g}" for part, score in entry.parts.items())
    line = f"{entry.raw:g} / {max_score:g}" + (f" ({parts})" if parts else "")
    if entry.status == "not gradable":
        return f"{line}. {entry.reason}"
    if entry.lateness and entry.lateness.days:
        line += f"; late penalty −{entry.penalty:g}, final {entry.final:g}"
    return line + "."


def write(standing: Standing, path: Path, options: ExportOptions) -> None:
    if options.identifier not in IDENTIFIERS:
        raise ExportError(f"--identifier must be one of {', '.join(IDENTIFIERS)}")
    without = [e.student.name for e in standing.entries if not identifier_of(e, options.identifier)]
    if without:
        raise ExportError(
            f"Moodle would match students by {IDENTIFIERS[options.identifier]}, and the roster"
            f" has none for: {', '.join(without[:10])}. Choose another --identifier."
        )
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([IDENTIFIERS[options.identifier], options.assignment, "Feedback"])
        for entry in standing.entries:
            writer.writerow(
                [
                    identifier_of(entry, options.identifier),
                    score_text(entry.final),
                    feedback(entry, standing.max_score),
                ]
            )
