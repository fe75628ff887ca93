"""Regrading chosen students from the gradebook, and what a grading run tells the
instructor about the overrides it touched.

A regrade reads each submission again from where the gradebook says it was found: the
file itself, or its entry in the zip it came in (an LMS download). The gradebook keeps who
it is (identity, submission time, late mark, result name), so a file read on its own is
graded as the same submission. A file that is gone or has changed since is refused by
name: a regrade grades the same work again, after a check or a hint was fixed.
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.gradebook import Gradebook, subject_of
from autograder.intake import IntakeError, Submission, discover
from autograder.overrides import adjust, drift
from autograder.results import SubmissionResult


class RegradeError(Exception):
    """A submission can't be regraded; the message says which and why."""


def reload(row: dict) -> Submission:
    """The submission a gradebook row was graded from, read again."""
    source = Path(row["source_path"])
    container = next((path for path in (source, *source.parents) if path.is_file()), None)
    if container is None:
        raise RegradeError(f"{row['name']}: {source} is no longer there; nothing was regraded")
    try:
        found = [s for s in discover(container) if str(s.source) == row["source_path"]]
    except (IntakeError, OSError) as error:
        raise RegradeError(f"{row['name']}: {container} can't be read ({error})") from None
    if not found:
        raise RegradeError(f"{row['name']}: {container} no longer holds {source}")
    if found[0].sha256 != row["sha256"]:
        raise RegradeError(
            f"{row['name']}: {source} has changed since it was graded (SHA-256"
            f" {found[0].sha256[:12]}…, graded {row['sha256'][:12]}…); grade it with"
            " `autograder grade` as a new submission"
        )
    return replace(
        found[0],
        name=row["name"],
        student=row["student"],
        submitted_at=row["submitted_at"],
        late=bool(row["late"]),
        superseded_by=row["superseded_by"],
    )


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


def override_notices(
    gradebook: Gradebook, lab: str, graded: list[tuple[Submission, SubmissionResult]]
) -> list[str]:
    """For each submission just graded whose student has overrides in force: that they
    stay, and what changed under them."""
    in_force = gradebook.overrides_in_force()
    lines = []
    for submission, result in graded:
        subject = subject_of({"student": submission.student, "source_path": str(submission.source)})
        overrides = in_force.get((subject, lab), [])
        if not overrides or submission.superseded_by:
            continue
        kept = ", ".join(override.what() for override in overrides)
        lines.append(f"{submission.name}: overrides kept ({kept})")
        lines += [f"{submission.name}: {line}" for line in drift(submission.sha256, result,
                                                                 overrides)]  # fmt: skip
    return lines
