"""What the instructor sees in the terminal: progress while grading, a table at the end."""

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from autograder.intake import Submission
from autograder.lab import Lab
from autograder.results import SubmissionResult


class RateColumn(ProgressColumn):
    """Submissions per minute, over the whole run so far."""

    def render(self, task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed * 60 if elapsed > 0 else 0.0
        return Text(f"{rate:.1f}/min")


def progress_bar(console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def summary_table(results: list[tuple[Submission, SubmissionResult]], lab: Lab) -> Table:
    table = Table(title=f"{lab.title}: {len(results)} submission(s)")
    table.add_column("submission")
    table.add_column("score", justify="right")
    for part, points in lab.parts.items():
        table.add_column(f"{part} /{points:g}", justify="right")
    table.add_column("note")
    for submission, result in results:
        parts = result.part_scores()
        note = result.output.splitlines()[0] if result.extra_data.get("ungraded") else ""
        table.add_row(
            submission.name,
            f"{result.score:g} / {lab.max_score:g}",
            *(f"{parts.get(part, (0.0, 0.0))[0]:g}" for part in lab.parts),
            note,
        )
    return table


def sandbox_gaps(results: list[tuple[Submission, SubmissionResult]]) -> list[str]:
    """One line per defence the kernel refused, with how many submissions ran without it."""
    gaps: dict[tuple[str, str], int] = {}
    for _, result in results:
        for defence, outcome in (result.extra_data.get("sandbox") or {}).items():
            if str(outcome).startswith("NOT APPLIED"):
                key = (str(defence), str(outcome))
                gaps[key] = gaps.get(key, 0) + 1
    return [
        f"{count} submission(s) ran without the sandbox's {defence} defence: {outcome}"
        for (defence, outcome), count in sorted(gaps.items())
    ]


def export_summary(report, max_score: float) -> list[str]:
    """What an instructor checks before uploading: who is missing, unmatched, changed."""
    entries = report.standing.entries
    counts = {status: sum(e.status == status for e in entries) for status in
              ("graded", "not gradable", "missing")}  # fmt: skip
    late = [e for e in entries if e.lateness and e.lateness.days]
    lines = [
        f"{len(entries)} students on the roster: {counts['graded']} graded,"
        f" {counts['not gradable']} not gradable, {counts['missing']} without a submission;"
        f" {len(late)} late."
    ]
    missing = [e.student.name for e in entries if e.status == "missing"]
    if missing:
        lines.append("No submission: " + "; ".join(missing))
    for row in report.standing.unmatched:
        lines.append(f"Unmatched submission (no roster student): {row['source_path']}")
    for problem in report.standing.mapping_problems:
        lines.append(f"Not used: {problem}")
    lines += [f"Not matched by name: {problem}" for problem in report.standing.matching_problems]
    for student, row in report.standing.also_submitted:
        lines.append(f"Not counted, {student.name} has a newer file: {row['source_path']}")
    if report.first_export:
        lines.append("First export of this assignment: nothing to compare with.")
    elif not report.changes:
        lines.append("No score changed since the last export.")
    lines += [change_line(change) for change in report.changes]
    return lines


def change_line(change) -> str:
    """One student's score change between two exports, as the instructor reads it."""
    before = "blank" if change.before is None else f"{change.before:g}"
    after = "blank" if change.after is None else f"{change.after:g}"
    return f"Changed: {change.name} ({change.student}) {before} -> {after}"
