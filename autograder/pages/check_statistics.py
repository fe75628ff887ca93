"""Statistics per check, as item analysis reads an exam's questions: how many pass it, the
mean points it gives, and how well it tells strong submissions from weak ones.

Discrimination is the point-biserial correlation between passing the check (1 or 0) and
the rest of the score (the total without this check's points): near +1 when the students
who pass it are the ones who do well elsewhere, negative when they do worse. A check whose
discrimination is negative, or that nobody or everybody passes, is flagged with what that
usually means.
"""

import math
import statistics
from dataclasses import dataclass

from autograder.results import SubmissionResult

FLAG_MEANINGS = {
    "negative discrimination": "students who pass it score lower on the rest than those who"
    " fail it: usually a broken check, or one that rewards a mistake; read a few of its"
    " failures",
    "nobody passes": "usually a broken check, a tolerance too tight, or a topic the class has"
    " not been taught yet",
    "everybody passes": "it tells no submission apart: fine for a sanity check, otherwise too"
    " easy to be worth its points",
}


@dataclass(frozen=True)
class CheckStatistics:
    name: str
    part: str | None
    points: float  # the check's maximum
    checked: int  # graded submissions that have this check
    passed: int
    mean_points: float
    discrimination: float | None  # None: undefined (every value equal on one side)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.checked if self.checked else 0.0

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.discrimination is not None and self.discrimination < 0:
            flags.append("negative discrimination")
        if self.checked and self.passed == 0:
            flags.append("nobody passes")
        if self.checked and self.passed == self.checked:
            flags.append("everybody passes")
        return flags


def check_statistics(results: list[SubmissionResult]) -> list[CheckStatistics]:
    """Each check's statistics over the graded results, in the order checks first appear."""
    by_check: dict[str, list[tuple[bool, float, float]]] = {}
    info: dict[str, tuple[str | None, float]] = {}
    for result in results:
        for test in result.tests:
            info.setdefault(test.name, (test.tags[0] if test.tags else None, test.max_score))
            rest = result.score - test.score
            by_check.setdefault(test.name, []).append((test.status == "passed", test.score, rest))
    return [
        CheckStatistics(
            name,
            info[name][0],
            info[name][1],
            len(values),
            sum(passed for passed, _, _ in values),
            statistics.fmean(score for _, score, _ in values),
            point_biserial([passed for passed, _, _ in values], [rest for _, _, rest in values]),
        )
        for name, values in by_check.items()
    ]


def point_biserial(passed: list[bool], rest: list[float]) -> float | None:
    """r between a 0/1 variable and a score; None when either side does not vary."""
    ones = [score for flag, score in zip(passed, rest, strict=True) if flag]
    zeros = [score for flag, score in zip(passed, rest, strict=True) if not flag]
    if not ones or not zeros:
        return None
    spread = statistics.pstdev(rest)
    if spread == 0:
        return None
    share = len(ones) / len(rest)
    difference = statistics.fmean(ones) - statistics.fmean(zeros)
    return difference / spread * math.sqrt(share * (1 - share))
