"""Instructor overrides: a check's, a part's or the total score set by hand, or a late
penalty waived, each with a reason, an author and a time.

Overrides are a log in the gradebook's `overrides` table: setting and removing are both
rows, and no row is ever changed or deleted. The override in force for a student and a
target is the newest row for them, unless that row is a removal.

An override belongs to the student (the identity intake found, such as canvas:123, else
the submitted file's path), not to one graded result: a rerun or a regrade of the same
file records a new result, and the override still applies to it. When the autograder's
own score for an overridden target has changed since the override was made, or the
student's file is another one, the run says so (`drift`), and the override stays.

Scores combine in one direction: check overrides change their checks, a part override
replaces its part's sum, a total override replaces the total. The late penalty is
applied to that total by the export's late policy, unless it is waived.
"""

import getpass
import math
import os
from dataclasses import dataclass, replace

from autograder.results import SubmissionResult

TOTAL = "total"
LATE = "late"
KINDS = ("check", "part", TOTAL, LATE)


class OverrideError(ValueError):
    """An override that can't be made as asked; the message says what would work."""


@dataclass(frozen=True)
class Override:
    """One row of the log: an override set, or one removed."""

    id: int
    subject: str  # the student: intake's identity, else the file's path
    lab: str  # the lab graded: a name, or a lab folder's path
    target: str  # check:<name> | part:<name> | total | late
    action: str  # set | remove
    new_score: float | None  # the score set (0 for a waived late penalty)
    old_score: float | None  # the score in force just before (None for late)
    autograder_score: float | None  # the autograder's own score for the target, then
    reason: str
    private: bool  # the reason stays out of everything a student sees
    author: str
    created_at: str
    submission_id: int | None  # the graded result it was made on
    sha256: str | None  # that result's file

    @property
    def kind(self) -> str:
        return self.target.partition(":")[0]

    @property
    def name(self) -> str:
        """The check's or part's name; the kind itself for total and late."""
        kind, _, name = self.target.partition(":")
        return name or kind

    def what(self) -> str:
        """'check "<name>"', 'part <name>', 'total', 'late penalty'."""
        if self.kind == "check":
            return f'check "{self.name}"'
        if self.kind == "part":
            return f"part {self.name}"
        return "late penalty" if self.kind == LATE else "total"

    def note(self, *, for_student: bool) -> str:
        """One sentence saying what the instructor changed and, where allowed, why."""
        if self.kind == LATE:
            change = "Late penalty waived by the instructor"
        else:
            change = f"The {self.what()} was set to {self.new_score:g} by the instructor"
            if self.autograder_score is not None:
                change += f" (the autograder gave {self.autograder_score:g})"
        if for_student and self.private:
            return change + "."
        return f"{change}: {self.reason}"

    @classmethod
    def from_row(cls, row) -> "Override":
        data = dict(row)
        data["private"] = bool(data["private"])
        return cls(**data)


def describe_override(override: Override) -> str:
    """What the instructor is told when an override is recorded."""
    private = " (private reason)" if override.private else ""
    if override.action == "remove":
        return (f"Removed the override of the {override.what()} for {override.subject}, by"
                f" {override.author}: {override.reason}{private}")  # fmt: skip
    if override.kind == LATE:
        change = "late penalty waived"
    else:
        old = "-" if override.old_score is None else f"{override.old_score:g}"
        change = f"{override.what()} {old} -> {override.new_score:g}"
        if override.autograder_score is not None:
            change += f" (autograder: {override.autograder_score:g})"
    return f"{override.subject}: {change}, by {override.author}: {override.reason}{private}"


def target_of(check: str | None, part: str | None, total: bool, late: bool) -> str:
    chosen = [t for t in (check and f"check:{check}", part and f"part:{part}") if t]
    chosen += [TOTAL] * total + [LATE] * late
    if len(chosen) != 1:
        raise OverrideError("say what to override: one of --check NAME, --part NAME, --total,"
                            " --late waive")  # fmt: skip
    return chosen[0]


def resolve_target(target: str, result: SubmissionResult, parts: dict[str, float]) -> str:
    """The target with a check's or part's name as the result has it: an exact name, or
    the one name that contains what was typed (case aside)."""
    kind, _, typed = target.partition(":")
    if kind not in ("check", "part"):
        return target
    names = [test.name for test in result.tests] if kind == "check" else list(parts)
    if typed in names:
        return target
    found = [name for name in names if typed.strip().lower() in name.lower()]
    if len(found) == 1:
        return f"{kind}:{found[0]}"
    listed = "\n  ".join(names)
    if found:
        raise OverrideError(f"{typed!r} names {len(found)} {kind}s; give more of the name:"
                            "\n  " + "\n  ".join(found))  # fmt: skip
    raise OverrideError(f"no {kind} is named {typed!r}; the {kind}s are:\n  {listed}")


def author_name() -> str:
    """Who is making the override, when --by is not given: the login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's uid): still someone
        return f"uid {os.getuid()}"


# ---- applying overrides to a graded result ----------------------------------------------


@dataclass(frozen=True)
class Adjusted:
    """A graded result with the overrides in force applied."""

    result: SubmissionResult  # every check's score as overridden
    parts: dict[str, float]  # each part's score as overridden
    total: float  # before any late penalty
    autograder_total: float
    applied: tuple[Override, ...]  # the overrides in force, late waiver included

    @property
    def late_waiver(self) -> Override | None:
        return next((o for o in self.applied if o.kind == LATE), None)

    def notes(self, *, for_student: bool) -> list[str]:
        return [override.note(for_student=for_student) for override in self.applied]

    def student_result(self) -> SubmissionResult:
        """The result as a student may read it: each overridden check's message says so,
        and the summary lists every override (a private one without its reason)."""
        notes = {o.name: o.note(for_student=True) for o in self.applied if o.kind == "check"}
        tests = [
            replace(test, output=f"{notes[test.name]}\n\n{test.output}".strip())
            if test.name in notes
            else test
            for test in self.result.tests
        ]
        summary = "\n".join(self.notes(for_student=True))
        output = f"{summary}\n\n{self.result.output}".strip() if summary else self.result.output
        return replace(self.result, tests=tests, output=output, score=self.total)


def part_of(test) -> str | None:
    return test.tags[0] if test.tags else None  # the gradebook's `checks.part`


def adjust(result: SubmissionResult, overrides: list[Override]) -> Adjusted:
    by_target = {o.target: o for o in overrides if o.action == "set"}
    if not by_target:
        # Most rows of a class: nothing to copy (a page lists 10,000 of them at once)
        parts = {part: score for part, (score, _) in result.part_scores().items()}
        total = round(float(result.score), 6)
        return Adjusted(replace(result, score=total), parts, total, float(result.score), ())
    tests = []
    for test in result.tests:
        override = by_target.get(f"check:{test.name}")
        if override is None:
            tests.append(test)
            continue
        score = float(override.new_score)
        passed = math.isclose(score, test.max_score) or score > test.max_score
        tests.append(replace(test, score=score, status="passed" if passed else "failed"))
    adjusted = replace(result, tests=tests)
    parts = {part: score for part, (score, _) in adjusted.part_scores().items()}
    changes = zip(tests, result.tests, strict=True)
    total = float(result.score) + sum(new.score - old.score for new, old in changes)
    for override in by_target.values():
        if override.kind == "part" and override.name in parts:
            total += float(override.new_score) - parts[override.name]
            parts[override.name] = float(override.new_score)
    if TOTAL in by_target:
        total = float(by_target[TOTAL].new_score)
    applied = tuple(
        o for o in by_target.values()
        if o.kind in (TOTAL, LATE)
        or (o.kind == "part" and o.name in parts)
        or (o.kind == "check" and any(t.name == o.name for t in tests))
    )  # fmt: skip
    total = round(total, 6)
    return Adjusted(replace(adjusted, score=total), parts, total, float(result.score), applied)


def autograder_score(result: SubmissionResult, target: str) -> float | None:
    """The autograder's own score for a target in a result: None where it has none."""
    kind, _, name = target.partition(":")
    if kind == "check":
        return next((float(t.score) for t in result.tests if t.name == name), None)
    if kind == "part":
        part = result.part_scores().get(name)
        return None if part is None else float(part[0])
    return float(result.score) if kind == TOTAL else None


def check_score(target: str, score: float, result: SubmissionResult) -> None:
    """A score the target can hold: from 0 to its points."""
    kind, _, name = target.partition(":")
    if kind == "check":
        top = next(t.max_score for t in result.tests if t.name == name)
    elif kind == "part":
        top = result.part_scores()[name][1]
    else:
        top = result.max_score
    if not (math.isfinite(score) and 0 <= score <= top):
        raise OverrideError(f"the {kind} {name!r} is worth 0 to {top:g} points, not {score:g}"
                            if kind != TOTAL else
                            f"the total is 0 to {top:g} points, not {score:g}")  # fmt: skip


def drift(current_sha256: str, result: SubmissionResult, overrides: list[Override]) -> list[str]:
    """What changed under overrides still in force: the autograder's own score for the
    target, or the file the student's score comes from."""
    lines = []
    for override in overrides:
        if override.action != "set" or override.kind == LATE:
            continue
        now = autograder_score(result, override.target)
        if now is None:
            lines.append(f"the {override.what()} is no longer in the result: the override"
                         f" ({override.new_score:g}) is kept but applies to nothing")  # fmt: skip
        elif override.autograder_score is not None and not math.isclose(
            now, override.autograder_score
        ):
            lines.append(f"the autograder now gives the {override.what()} {now:g} (it gave"
                         f" {override.autograder_score:g} when it was overridden); the override"
                         f" ({override.new_score:g}) stays")  # fmt: skip
    if any(o.sha256 and o.sha256 != current_sha256 for o in overrides if o.action == "set"):
        lines.append("the overrides were made on another file of this student's; they stay")
    return lines
