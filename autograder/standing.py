"""The class as it goes to an LMS: one entry per roster student, and what didn't match.

Built by matching.py; read by the grade files, the feedback pages and the export summary.
"""

from dataclasses import dataclass, field

from autograder.late import Lateness
from autograder.overrides import Adjusted
from autograder.student import Student


@dataclass(frozen=True)
class Entry:
    student: Student
    submission: dict | None  # the gradebook row that counts
    raw: float | None
    lateness: Lateness | None
    final: float | None  # None only for a missing submission exported blank
    status: str  # graded | not gradable | missing
    reason: str  # the late policy's account, or why it can't be graded: students read it
    parts: dict[str, float] = field(default_factory=dict)
    adjusted: Adjusted | None = None  # the result with the instructor's overrides applied

    @property
    def penalty(self) -> float:
        return self.lateness.penalty if self.lateness else 0.0

    @property
    def autograder_score(self) -> float | None:
        return self.adjusted.autograder_total if self.adjusted else self.raw

    def override_notes(self, *, for_student: bool) -> list[str]:
        """What the instructor changed by hand; a private reason only for the instructor."""
        return self.adjusted.notes(for_student=for_student) if self.adjusted else []

    def explanation(self, *, for_student: bool) -> str:
        """The reason and the overrides, as one text."""
        return " ".join(filter(None, [self.reason, *self.override_notes(for_student=for_student)]))


@dataclass(frozen=True)
class Standing:
    entries: list[Entry]
    unmatched: list[dict]  # gradebook rows no roster student claims
    also_submitted: list[tuple[Student, dict]]  # older files of a matched student
    max_score: float
    parts: dict[str, float]  # the lab's parts and their points
    mapping_problems: list[str] = field(default_factory=list)  # rows that claimed nothing
    matching_problems: list[str] = field(default_factory=list)  # names two students share
