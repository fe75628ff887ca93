"""From the gradebook to a file an LMS imports: roster, matching, late policy, format.

Every export is recorded in the gradebook with each student's raw score, penalty and
final score, so the next export can say whose score changed, from what to what.
"""

from dataclasses import dataclass
from pathlib import Path

from autograder.exports import ExportError, ExportOptions, lti, table
from autograder.gradebook import Gradebook
from autograder.late import LatePolicy
from autograder.lms import blackboard, canvas, gradescope, moodle
from autograder.roster import Student
from autograder.standing import Standing, build_standing

FORMATS = ("canvas", "moodle", "moodle-worksheet", "blackboard", "gradescope", "csv", "lti")
_WRITERS = {
    "canvas": canvas.write_grades,
    "moodle": moodle.write_grades,
    "moodle-worksheet": moodle.write_worksheet,
    "blackboard": blackboard.write_grades,
    "csv": table.write,
    "lti": lti.write,
}


@dataclass(frozen=True)
class Change:
    student: str
    name: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class ExportReport:
    standing: Standing
    changes: list[Change]
    first_export: bool


def export(
    format: str,
    gradebook: Gradebook,
    roster: list[Student],
    parts: dict[str, float],
    out: Path,
    options: ExportOptions,
    *,
    mapping: dict[str, str] | None = None,
    policy: LatePolicy | None = None,
    missing: str = "zero",
    file_times: bool = False,
    visibility: str = "visible",
    dry_run: bool = False,
) -> ExportReport:
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r}: one of {', '.join(FORMATS)}")
    standing = build_standing(
        gradebook.current_submissions(),
        roster,
        parts,
        mapping=mapping,
        policy=policy,
        missing=missing,
        file_times=file_times,
    )
    before = gradebook.last_exported(options.assignment)  # student -> final, last time
    changes = [
        Change(entry.student.key, entry.student.name, before.get(entry.student.key), entry.final)
        for entry in standing.entries
        if before and before.get(entry.student.key) != entry.final
    ]
    if dry_run:
        return ExportReport(standing, changes, not before)
    if format == "gradescope":
        gradescope.write_results(standing, out, options, visibility)
    else:
        _WRITERS[format](standing, out, options)
    gradebook.record_export(
        format,
        options.assignment,
        policy.describe() if policy else None,
        str(out),
        [
            (
                entry.student.key,
                entry.student.name,
                entry.submission["id"] if entry.submission else None,
                entry.raw,
                entry.penalty,
                entry.final,
                entry.status,
                entry.explanation(for_student=False),  # the instructor's record
            )
            for entry in standing.entries
        ],
    )
    return ExportReport(standing, changes, not before)
