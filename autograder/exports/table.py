"""A plain CSV for the instructor: one row per roster student, every part, the late
penalty, the status and the reason, then the submissions no student claimed."""

import csv
from pathlib import Path

from autograder.exports.options import ExportOptions, score_text
from autograder.standing import Standing


def write(standing: Standing, path: Path, options: ExportOptions) -> None:
    parts = list(standing.parts)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["student", "name", *parts, "raw", "late penalty", "total", "status", "reason",
             "submission", "autograder", "overrides"]
        )  # fmt: skip
        for entry in standing.entries:
            writer.writerow(
                [
                    entry.student.key,
                    entry.student.name,
                    *(score_text(entry.parts.get(part)) for part in parts),
                    score_text(entry.raw),
                    score_text(entry.penalty if entry.lateness else None),
                    score_text(entry.final),
                    entry.status,
                    entry.reason,
                    entry.submission["source_path"] if entry.submission else "",
                    score_text(entry.autograder_score),
                    # For the instructor: every override, private reasons included
                    " ".join(entry.override_notes(for_student=False)),
                ]
            )
        for row in standing.unmatched:
            writer.writerow(
                ["", "", *([""] * len(parts)), score_text(row["score"]), "", "", "unmatched",
                 "no roster student matches this submission", row["source_path"],
                 score_text(row["score"]), ""]
            )  # fmt: skip
