"""What the instructor sees in the terminal: progress while grading, a table at the end."""

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from autograder.lab import Lab
from autograder.results import SubmissionResult
from autograder.submission import Submission


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


def summary_table(run) -> Table:
    """Every submission of a small run; of a large one, those that were not gradable."""
    lab = run.lab
    title = f"{lab.title}: {run.count} submission(s)"
    if not run.every_row_shown:
        title += f"; not gradable: {len(run.rows) + run.rows_left_out}"
        if run.rows_left_out:
            title += f", {len(run.rows)} listed"
    table = Table(title=title)
    table.add_column("submission")
    table.add_column("score", justify="right")
    for part, points in lab.parts.items():
        table.add_column(f"{part} /{points:g}", justify="right")
    table.add_column("note")
    for row in run.rows:
        table.add_row(row.name, f"{row.score:g} / {lab.max_score:g}",
                      *(f"{points:g}" for points in row.parts), row.note)  # fmt: skip
    return table


def sandbox_gaps(gaps: Counter) -> list[str]:
    """One line per defence the kernel refused, with how many submissions ran without it."""
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
    lines += [change.line() for change in report.changes]
    return lines


class RunDisplay:
    """A grading run as the instructor watches it: the plan, then a progress bar."""

    def __init__(self, console: Console):
        self.console = console
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def planned(self, lab: Lab, to_grade: int, cached: int, engine: str) -> None:
        self.console.print(
            f"{lab.title}: {to_grade} to grade with {engine}, {cached} already in the gradebook"
        )
        self.bar = progress_bar(self.console)
        self.bar.start()
        self.task = self.bar.add_task("grading", total=to_grade)

    def graded(self, submission: Submission, result: SubmissionResult) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def show_run(run, out_dir: Path, status: Console) -> None:
    """The run's table (of every submission, or of those not gradable in a large class),
    its warnings, and one line of totals."""
    if run.rows:
        Console(width=160).print(summary_table(run))
    for gap in sandbox_gaps(run.sandbox_gaps):
        status.print(f"[yellow]Warning:[/yellow] {gap}")
    for notice in run.override_notices:
        status.print(f"[yellow]Override:[/yellow] {notice}", highlight=False)
    max_score = run.lab.max_score
    print(
        f"Graded {run.graded_now} in {run.seconds:.0f} s. Over all {run.count}:"
        f" mean {run.total_score / max(run.count, 1):.2f} / {max_score:g}, full marks"
        f" {run.full_marks}, not gradable {run.not_gradable}. Results in {out_dir}/"
    )
    if not run.every_row_shown:
        print("Every submission's score is in the gradebook: `autograder report` and"
              " `autograder review` show the class, `autograder export` writes it.")  # fmt: skip


def history_lines(subject: str, events: list[dict]) -> list[str]:
    """A student's score history, one line per event; the lab named when there are several."""
    lines = [f"History of {subject}:"]
    several_labs = len({event["lab"] for event in events}) > 1
    for event in events:
        score = "" if event["score"] is None else f"{event['score']:g}"
        if event["max_score"] is not None:
            score += f" / {event['max_score']:g}"
        by = f" by {event['author']}" if event["author"] else ""
        if several_labs:
            by += f" [lab {event['lab']}]"
        lines.append(f"{event['at']}  {event['event']:<16} {event['target']:<12} {score:<10}"
                     f" {event['detail']}{by}")  # fmt: skip
    return lines
