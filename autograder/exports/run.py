"""From the gradebook to a file an LMS imports: roster, matching, late policy, format.

Every export is recorded in the gradebook with each student's raw score, penalty and
final score, so the next export can say whose score changed, from what to what.
"""

from dataclasses import dataclass
from pathlib import Path

from autograder.exports import lti, table
from autograder.exports.options import ExportError, ExportOptions
from autograder.gradebook import Change, Gradebook, changes_between
from autograder.lab import Lab
from autograder.late import LatePolicy
from autograder.lms.registry import GRADE_FILES
from autograder.matching import ClassList, class_standing
from autograder.standing import Standing
from autograder.student import Student

# Each platform's own grade file (from the registry), then the formats of no one platform
_WRITERS = {**GRADE_FILES, "csv": table.write, "lti": lti.write}
FORMATS = tuple(_WRITERS)


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
    lab: str | None = None,
    mapping: dict[str, str] | None = None,
    policy: LatePolicy | None = None,
    missing: str = "zero",
    file_times: bool = False,
    dry_run: bool = False,
) -> ExportReport:
    if format not in FORMATS:
        raise ExportError(f"unknown format {format!r}: one of {', '.join(FORMATS)}")
    class_list = ClassList(roster, mapping, policy, file_times)
    standing = class_standing(gradebook, lab, class_list, parts, missing)
    before = gradebook.last_exported(options.assignment)  # student -> final, last time
    finals = [(entry.student.key, entry.student.name, entry.final) for entry in standing.entries]
    changes = changes_between(before, finals)
    if dry_run:
        return ExportReport(standing, changes, not before)
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


def export_class(
    format: str,
    gradebook_path: Path,
    lab: Lab,
    class_list: ClassList,
    out: Path,
    options: ExportOptions,
    *,
    missing: str = "zero",
    dry_run: bool = False,
) -> ExportReport:
    """`autograder export`: one lab's class from the gradebook, written as FORMAT."""
    gradebook = Gradebook.open(gradebook_path)
    try:
        return export(format, gradebook, class_list.students, lab.parts, out, options,
                      lab=lab.reference, mapping=class_list.mapping, policy=class_list.policy,
                      missing=missing, file_times=class_list.file_times,
                      dry_run=dry_run)  # fmt: skip
    finally:
        gradebook.close()
