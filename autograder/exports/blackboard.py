"""Blackboard Grade Center offline CSV.

Blackboard matches rows by Username and a column by the "|<column id>" at the end of its
header, "<name> [Total Pts: <max> Score] |<column id>". A header without a column id makes
a new text column worth 0 points, so the id is required.
"""

import csv
from pathlib import Path

from autograder.exports import ExportError, ExportOptions, score_text
from autograder.standing import Standing


def column_header(options: ExportOptions, max_score: float) -> str:
    if not options.assignment_id:
        raise ExportError(
            "Blackboard needs the Grade Center column id (--assignment-id, shown in the"
            " column's header of a downloaded Grade Center file): without it, Blackboard"
            " creates a new text column worth 0 points"
        )
    return f"{options.assignment} [Total Pts: {max_score:g} Score] |{options.assignment_id}"


def write(standing: Standing, path: Path, options: ExportOptions) -> None:
    header = column_header(options, standing.max_score)
    without = [e.student.name for e in standing.entries if not e.student.username]
    if without:
        raise ExportError(
            "Blackboard matches students by Username, and the roster has none for: "
            + ", ".join(without[:10])
        )
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Last Name", "First Name", "Username", header])
        for entry in standing.entries:
            student = entry.student
            writer.writerow(
                [
                    student.last_name or "",
                    student.first_name or "",
                    student.username,
                    score_text(entry.final),
                ]
            )
