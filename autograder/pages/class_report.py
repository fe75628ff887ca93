"""The instructor's class report: one HTML page with its plots beside it, from the gradebook.

The page reads the newest result of every submitted file (what exports read too), so a
file graded in several runs counts once. Everything a student controls (file names,
paths, check output) is HTML-escaped where it is written. Numbers on the page carry a
data-stat attribute, so tests and scripts can read them back without scraping prose.
The page needs nothing but the PNG files beside it: no scripts, no fonts, no network.
"""

import json
import logging
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from matplotlib.figure import Figure  # a bare Figure draws with Agg: no pyplot, no display
from matplotlib.ticker import MaxNLocator

from autograder.gradebook import STATUSES, Change, Gradebook, changes_between, status_of
from autograder.lab import Lab, LabError
from autograder.overrides import Adjusted, adjust
from autograder.pages.html import STYLE, esc, image, stat, table
from autograder.results import SubmissionResult

log = logging.getLogger(__name__)


class ReportError(Exception):
    """The gradebook can't give a report; the message says why."""


@dataclass(frozen=True)
class Row:
    """One submitted file, as its newest result left it."""

    name: str
    source: str
    status: str  # one of STATUSES
    result: SubmissionResult  # the autograder's own verdicts: what check statistics count
    seconds: float | None
    note: str  # first line of the result's output for the ungraded ones
    adjusted: Adjusted | None = None  # the scores with the instructor's overrides

    @property
    def score(self) -> float:
        return self.adjusted.total if self.adjusted else self.result.score

    def part(self, part: str) -> float:
        if self.adjusted:
            return self.adjusted.parts.get(part, 0.0)
        return self.result.part_scores().get(part, (0.0, 0.0))[0]


@dataclass(frozen=True)
class CheckRate:
    name: str
    part: str | None
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class Failure:
    message: str  # the first line of a failed check's output
    count: int
    submissions: list[str]


@dataclass(frozen=True)
class ExportStatus:
    created_at: str
    format: str
    assignment: str
    late: int
    missing: int
    changes: list[Change] | None  # None: the first export of this assignment


@dataclass
class ClassReport:
    lab: Lab
    rows: list[Row]
    checks: list[CheckRate] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    export: ExportStatus | None = None

    def with_status(self, status: str) -> list[Row]:
        return [row for row in self.rows if row.status == status]

    @property
    def graded(self) -> list[Row]:
        return self.with_status("graded")


def build_class_report(gradebook: Gradebook, lab_reference: str | None = None) -> ClassReport:
    """The report of one lab: the one named, else the one lab the gradebook graded."""
    if not gradebook.graded_labs():
        raise ReportError("the gradebook has no grading runs: run `autograder grade` first")
    try:
        lab = gradebook.choose_lab(lab_reference)
    except LabError as error:
        raise ReportError(str(error)) from None
    rows = [_row(submission) for submission in gradebook.current_submissions(lab.reference)]
    report = ClassReport(lab, rows)
    report.checks = _check_rates(report.graded)
    report.failures = _failures(report.graded)
    report.export = _latest_export(gradebook, lab.reference)
    return report


def _row(submission: dict) -> Row:
    result = SubmissionResult.from_json(json.loads(submission["result_json"]))
    status = status_of(submission, result)
    note = "" if status == "graded" else first_line(result.output)
    seconds = _seconds(result, submission["started_at"], submission["graded_at"])
    overrides = submission.get("overrides") or []
    adjusted = adjust(result, overrides) if overrides else None
    return Row(
        submission["name"], submission["source_path"], status, result, seconds, note, adjusted
    )


def first_line(text: str) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0].strip() if lines else "(no output)"


def _seconds(result: SubmissionResult, started_at: str, graded_at: str) -> float | None:
    """The grader's own timing, else the gradebook's start and end stamps, else unknown."""
    if result.execution_time:
        return float(result.execution_time)
    try:
        elapsed = datetime.fromisoformat(graded_at) - datetime.fromisoformat(started_at)
    except (TypeError, ValueError):
        return None
    return elapsed.total_seconds()


def _check_rates(graded: list[Row]) -> list[CheckRate]:
    # Only graded submissions: an ungraded one carries placeholder checks, not verdicts.
    counts: dict[str, list] = {}
    for row in graded:
        for test in row.result.tests:
            entry = counts.setdefault(test.name, [test.tags[0] if test.tags else None, 0, 0])
            entry[1] += test.status == "passed"
            entry[2] += 1
    return [CheckRate(name, part, passed, total) for name, (part, passed, total) in counts.items()]


def _failures(graded: list[Row]) -> list[Failure]:
    groups: dict[str, list[str]] = {}
    for row in graded:
        for test in row.result.tests:
            if test.status != "passed":
                names = groups.setdefault(first_line(test.output), [])
                if row.name not in names:
                    names.append(row.name)
    return sorted(
        (Failure(message, len(names), names) for message, names in groups.items()),
        key=lambda failure: (-failure.count, failure.message),
    )


def _latest_export(gradebook: Gradebook, lab: str) -> ExportStatus | None:
    export = gradebook.latest_export(lab)
    if export is None:
        return None
    # An entry is late when its late policy counted days: the export's reason says so.
    late = sum(g["status"] == "graded" and g["reason"].startswith("Late:") for g in export.grades)
    missing = sum(g["status"] == "missing" for g in export.grades)
    changes = None
    if export.previous is not None:
        finals = [(g["student"], g["name"], g["final"]) for g in export.grades]
        changes = changes_between(export.previous, finals)
    return ExportStatus(export.created_at, export.format, export.assignment, late, missing, changes)


# ---- plots -------------------------------------------------------------------------------


def _save(figure: Figure, path: Path) -> str:
    for axes in figure.axes:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of submissions
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path.name


def _histogram(values: list[float], top: float, label: str, path: Path, bins: int = 0) -> str:
    figure = Figure(figsize=(6, 3))
    axes = figure.add_subplot()
    count = bins or max(1, min(20, round(top)))
    axes.hist(values, bins=count, range=(0, top or 1), color="#3b6ea8", edgecolor="white")
    axes.set_xlabel(label)
    axes.set_ylabel("submissions")
    return _save(figure, path)


def _part_histograms(report: ClassReport, path: Path) -> str:
    parts = list(report.lab.parts.items())
    figure = Figure(figsize=(6, 2.4 * len(parts)))
    for index, (part, points) in enumerate(parts, start=1):
        axes = figure.add_subplot(len(parts), 1, index)
        scores = [row.part(part) for row in report.graded]
        bins = max(1, min(20, round(points)))
        axes.hist(scores, bins=bins, range=(0, points or 1), color="#5a8f5a", edgecolor="white")
        axes.set_title(f"{part} (/{points:g})", fontsize=10)
        axes.set_ylabel("submissions")
    return _save(figure, path)


def _pass_rates(checks: list[CheckRate], path: Path) -> str:
    figure = Figure(figsize=(6, 0.5 + 0.35 * max(1, len(checks))))
    axes = figure.add_subplot()
    names = [check.name for check in reversed(checks)]
    axes.barh(names, [100 * check.rate for check in reversed(checks)], color="#c0793a")
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of graded submissions passing")
    figure.tight_layout()
    figure.savefig(path, dpi=100)  # not _save: its y axis holds check names, not counts
    return path.name


def draw_plots(report: ClassReport, out: Path) -> dict[str, str]:
    """Each plot as a PNG in out; returns plot name -> file name."""
    graded = report.graded
    times = [row.seconds for row in report.rows if row.seconds is not None]
    top_time = max(times, default=1.0)
    return {
        "scores": _histogram(
            [row.score for row in graded],
            report.lab.max_score,
            f"total score (/{report.lab.max_score:g})",
            out / "scores.png",
        ),
        "parts": _part_histograms(report, out / "parts.png"),
        "checks": _pass_rates(report.checks, out / "checks.png"),
        "times": _histogram(times, top_time, "seconds per submission", out / "times.png", 20),
    }


# ---- the page ----------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:.4g}"


def _counts_section(report: ClassReport) -> str:
    items = "".join(
        f"<li>{esc(status)}: {stat('count:' + status, len(report.with_status(status)))}</li>"
        for status in STATUSES
    )
    return (
        f"<h2>Submissions</h2><p>{stat('count:all', len(report.rows))} submitted file(s),"
        f" newest result of each:</p><ul>{items}</ul>"
    )


def _scores_section(report: ClassReport, plots: dict[str, str]) -> str:
    scores = [row.score for row in report.graded]
    summary = "No graded submission yet."
    if scores:
        summary = (
            f"Graded submissions: mean {stat('score:mean', _number(statistics.mean(scores)))},"
            f" median {stat('score:median', _number(statistics.median(scores)))}"
            f" of {stat('score:max', _number(report.lab.max_score))} points."
        )
    part_rows = []
    for part, points in report.lab.parts.items():
        values = [row.part(part) for row in report.graded]
        mean = _number(statistics.mean(values)) if values else "-"
        part_rows.append([esc(part), esc(f"{points:g}"), stat(f"part-mean:{part}", mean)])
    return (
        f"<h2>Scores</h2><p>{summary}</p>{image(plots['scores'], 'Histogram of total scores')}"
        f"<h3>Per part</h3>{table(['part', 'points', 'mean'], part_rows)}"
        f"{image(plots['parts'], 'Histogram of scores per part')}"
    )


def _checks_section(report: ClassReport, plots: dict[str, str]) -> str:
    rows = [
        [
            esc(check.name),
            esc(check.part or ""),
            stat(f"passed:{check.name}", check.passed),
            stat(f"checked:{check.name}", check.total),
            esc(f"{100 * check.rate:.0f}%"),
        ]
        for check in report.checks
    ]
    return (
        "<h2>Checks</h2><p>Pass rate of each check among graded submissions.</p>"
        f"{image(plots['checks'], 'Pass rate per check')}"
        f"{table(['check', 'part', 'passed', 'of', 'rate'], rows)}"
    )


def _failures_section(report: ClassReport) -> str:
    if not report.failures:
        return "<h2>Most common failures</h2><p>No check failed.</p>"
    rows = [
        [
            f"<code>{esc(failure.message)}</code>",
            stat(f"failure:{index}", failure.count),
            esc(", ".join(failure.submissions)),
        ]
        for index, failure in enumerate(report.failures)
    ]
    return (
        "<h2>Most common failures</h2><p>Failed checks grouped by the first line of their"
        f" output.</p>{table(['message', 'submissions', 'who'], rows)}"
    )


def _submissions_section(report: ClassReport, plots: dict[str, str]) -> str:
    rows = [
        [
            esc(row.name),
            esc(row.status),
            stat(f"score:{row.source}", _number(row.score)),
            esc("-" if row.seconds is None else f"{row.seconds:.1f}"),
            esc(" ".join(filter(None, [row.note, *_override_notes(row)]))),
        ]
        for row in sorted(report.rows, key=lambda row: row.name)
    ]
    return (
        "<h2>Time per submission</h2>"
        f"{image(plots['times'], 'Histogram of seconds per submission')}"
        f"<h2>Every submission</h2>{table(['file', 'status', 'score', 's', 'note'], rows)}"
    )


def _override_notes(row: Row) -> list[str]:
    return row.adjusted.notes(for_student=False) if row.adjusted else []


def _overrides_section(report: ClassReport) -> str:
    overridden = [row for row in report.rows if row.adjusted and row.adjusted.applied]
    if not overridden:
        return "<h2>Overrides</h2><p>No score is overridden.</p>"
    rows = [
        [esc(row.name), esc(_number(row.result.score)), esc(_number(row.score)),
         esc(" ".join(_override_notes(row)))]
        for row in sorted(overridden, key=lambda row: row.name)
    ]  # fmt: skip
    return (
        f"<h2>Overrides</h2><p>{stat('overridden', len(overridden))} submission(s) have scores"
        " set by hand (<code>autograder override</code>, or the review page); the scores above"
        f" include them.</p>{table(['file', 'autograder', 'score', 'overrides'], rows)}"
    )


def _export_section(export: ExportStatus | None) -> str:
    if export is None:
        return (
            '<h2>Export</h2><p data-stat="export:none">No export yet: late and missing'
            " submissions are known only against a roster (<code>autograder export</code>).</p>"
        )
    if export.changes is None:
        changed = "<p>First export of this assignment: nothing to compare with.</p>"
    elif not export.changes:
        changed = "<p>No score changed since the previous export.</p>"
    else:
        items = "".join(f"<li>{esc(change.line())}</li>" for change in export.changes)
        changed = f"<p>{stat('export:changed', len(export.changes))} changed:</p><ul>{items}</ul>"
    return (
        f"<h2>Export</h2><p>Latest: {esc(export.format)} of {esc(export.assignment)},"
        f" {esc(export.created_at)}. Late: {stat('export:late', export.late)};"
        f" missing: {stat('export:missing', export.missing)}.</p>{changed}"
    )


def render_page(report: ClassReport, plots: dict[str, str]) -> str:
    title = f"{report.lab.title}: class report"
    body = "".join(
        [
            f"<h1>{esc(title)}</h1>",
            _counts_section(report),
            _scores_section(report, plots),
            _checks_section(report, plots),
            _failures_section(report),
            _submissions_section(report, plots),
            _overrides_section(report),
            _export_section(report.export),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def write_class_report(gradebook_path: Path, out: Path, lab_reference: str | None = None) -> Path:
    """out/index.html and its PNG plots; returns the page's path."""
    gradebook = Gradebook.open(gradebook_path)
    try:
        report = build_class_report(gradebook, lab_reference)
    finally:
        gradebook.close()
    out.mkdir(parents=True, exist_ok=True)
    plots = draw_plots(report, out)
    page = out / "index.html"
    page.write_text(render_page(report, plots), encoding="utf-8")
    log.info("class report for %d submission(s) written to %s", len(report.rows), page)
    return page
