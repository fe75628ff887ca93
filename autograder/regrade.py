"""Regrading chosen students from the gradebook, and what a grading run tells the
instructor about the overrides it touched.

A regrade reads each submission again from where the gradebook says it was found: the
file itself, or its entry in the zip it came in (an LMS download). The gradebook keeps who
it is (identity, submission time, late mark, result name), so a file read on its own is
graded as the same submission. A file that is gone or has changed since is refused by
name: a regrade grades the same work again, after a check or a hint was fixed.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from autograder.grade import GradingOptions
from autograder.gradebook import Gradebook
from autograder.grading_run import Progress, RunError, RunResults, grade_into, grading_engine
from autograder.intake import IntakeError, reread
from autograder.lab import LabError
from autograder.overrides import OverrideError, adjust
from autograder.results import SubmissionResult
from autograder.submission import Submission


class RegradeError(Exception):
    """A submission can't be regraded; the message says which and why."""


def reload(row: dict) -> Submission:
    """The submission a gradebook row was graded from, read again (RegradeError if not)."""
    try:
        return reread(row)
    except IntakeError as error:
        raise RegradeError(str(error)) from None


@dataclass(frozen=True)
class ScoreChange:
    name: str
    subject: str
    before: float  # the autograder's score
    after: float
    counted_before: float  # with the overrides in force
    counted_after: float

    def line(self) -> str:
        change = (
            f"{self.before:g} -> {self.after:g}" if self.before != self.after
            else f"{self.after:g}, unchanged"
        )  # fmt: skip
        line = f"{self.name} ({self.subject}): autograder {change}"
        if (self.counted_before, self.counted_after) != (self.before, self.after):
            line += f"; with overrides {self.counted_before:g} -> {self.counted_after:g}"
        return line


def score_changes(before: list[dict], after: list[dict]) -> list[ScoreChange]:
    """Each regraded row's score, before and after, by source path."""
    now = {row["source_path"]: row for row in after}
    changes = []
    for old in before:
        new = now.get(old["source_path"])
        if new is None or new["id"] == old["id"]:
            continue  # not regraded: its failure was already reported
        changes.append(
            ScoreChange(
                old["name"],
                old["subject"],
                float(old["score"]),
                float(new["score"]),
                _counted(old),
                _counted(new),
            )
        )
    return changes


def _counted(row: dict) -> float:
    result = SubmissionResult.from_json(json.loads(row["result_json"]))
    return adjust(result, row["overrides"]).total


@dataclass
class Regrade:
    changes: list[ScoreChange]
    problems: list[str]  # one line per submission that could not be regraded
    run: RunResults | None  # None: nothing could be regraded


def regrade(
    gradebook_path: Path,
    students: list[str],
    options: GradingOptions,
    *,
    lab_reference: str | None = None,
    out_dir: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Regrade:
    """`autograder regrade`: each named student's counted submissions, graded again on this
    machine into the same gradebook, and each score change."""
    gradebook = Gradebook.open(gradebook_path)
    try:
        try:
            lab = gradebook.choose_lab(lab_reference)
            before = [
                row for who in students for row in gradebook.find_students(who, lab.reference)
            ]
        except (LabError, OverrideError) as error:
            raise RunError(str(error)) from None
        submissions, problems = [], []
        for row in before:
            try:
                submissions.append(reload(row))
            except RegradeError as error:
                problems.append(str(error))
        run = None
        if submissions:
            with grading_engine(lab, options, workers=workers) as engine:
                run = grade_into(gradebook, submissions, lab, engine,
                                 out_dir or gradebook_path.parent, force=True,
                                 progress=progress)  # fmt: skip
        changes = score_changes(before, gradebook.current_submissions())
    finally:
        gradebook.close()
    return Regrade(changes, problems, run)
