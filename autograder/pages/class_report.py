"""The instructor's class report: one HTML page with its plots beside it, from the gradebook.

The page reads the newest result of every submitted file (what exports read too), so a
file graded in several runs counts once. Everything a student controls (file names,
paths, check output) is HTML-escaped where it is written. Numbers on the page carry a
data-stat attribute, so tests and scripts can read them back without scraping prose.
The page needs nothing but the PNG files beside it: no scripts, no fonts, no network.
"""

import csv
import json
import logging
import statistics
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from matplotlib.figure import Figure  # a bare Figure draws with Agg: no pyplot, no display
from matplotlib.ticker import MaxNLocator

from autograder.gradebook import STATUSES, Change, Gradebook, changes_between, status_of
from autograder.lab import Lab, LabError
from autograder.overrides import Adjusted, adjust
from autograder.pages.causes import Cause, cause_of, first_line
from autograder.pages.check_statistics import FLAG_MEANINGS, CheckStatistics, check_statistics
from autograder.pages.html import STYLE, esc, image, stat, table
from autograder.results import SubmissionResult
from autograder.similarity import DEFAULT_THRESHOLD, SimilarPair, compare_class, marked

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
class CauseGroup:
    """The submissions of one part that failed the same checks for the same causes: one
    mistake usually fails several checks, each saying so in its own words."""

    part: str | None
    causes: list[tuple[str, Cause]]  # (check, its cause), in the lab's order
    points_lost: float  # in this part, by these checks: the mean over these submissions
    example: str  # the first line of one failure, as its student read it
    submissions: list[str]

    @property
    def count(self) -> int:
        return len(self.submissions)


@dataclass(frozen=True)
class PartSummary:
    """For the lecture: how many lost points in a part, and for which causes."""

    part: str
    points: float
    lost: int  # graded submissions below the part's points
    graded: int
    causes: list[tuple[str, int]]  # cause label, submissions; most first


@dataclass(frozen=True)
class ExportStatus:
    created_at: str
    format: str
    assignment: str
    late: int
    missing: int
    changes: list[Change] | None  # None: the first export of this assignment
    late_entries: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


@dataclass(frozen=True)
class SimilarityOptions:
    threshold: float = DEFAULT_THRESHOLD
    reference: Path | None = None  # earlier terms' submissions


@dataclass(frozen=True)
class Similarity:
    options: SimilarityOptions
    pairs: list[SimilarPair]
    compared: int
    problems: list[str]


@dataclass
class ClassReport:
    lab: Lab
    rows: list[Row]
    checks: list[CheckStatistics] = field(default_factory=list)
    causes: list[CauseGroup] = field(default_factory=list)
    parts: list[PartSummary] = field(default_factory=list)
    similarity: Similarity | None = None  # None: not asked for
    export: ExportStatus | None = None

    def with_status(self, status: str) -> list[Row]:
        return [row for row in self.rows if row.status == status]

    @property
    def graded(self) -> list[Row]:
        return self.with_status("graded")


def build_class_report(
    gradebook: Gradebook,
    lab_reference: str | None = None,
    similarity: SimilarityOptions | None = None,
) -> ClassReport:
    """The report of one lab: the one named, else the one lab the gradebook graded."""
    if not gradebook.graded_labs():
        raise ReportError("the gradebook has no grading runs: run `autograder grade` first")
    try:
        lab = gradebook.choose_lab(lab_reference)
    except LabError as error:
        raise ReportError(str(error)) from None
    submissions = gradebook.current_submissions(lab.reference)
    rows = [_row(submission) for submission in submissions]
    report = ClassReport(lab, rows)
    # Only graded submissions: an ungraded one carries placeholder checks, not verdicts.
    report.checks = check_statistics([row.result for row in report.graded])
    report.causes = _cause_groups(report.graded)
    report.parts = _part_summaries(report)
    report.export = _latest_export(gradebook, lab.reference)
    if similarity is not None:
        graded = {row.source for row in report.graded}
        compared = [s for s in submissions if s["source_path"] in graded]
        report.similarity = _similarity(report.lab, compared, similarity)
    return report


def _similarity(lab: Lab, rows: list[dict], options: SimilarityOptions) -> Similarity:
    found = compare_class(rows, lab, options.threshold, options.reference)
    return Similarity(options, found.pairs, found.compared, found.problems)


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


def _seconds(result: SubmissionResult, started_at: str, graded_at: str) -> float | None:
    """The grader's own timing, else the gradebook's start and end stamps, else unknown."""
    if result.execution_time:
        return float(result.execution_time)
    try:
        elapsed = datetime.fromisoformat(graded_at) - datetime.fromisoformat(started_at)
    except (TypeError, ValueError):
        return None
    return elapsed.total_seconds()


def _cause_groups(graded: list[Row]) -> list[CauseGroup]:
    """Failed checks grouped by check and cause; then, within a part, the groups failed by
    the same submissions are one group. The most common first."""
    by_cause: dict[tuple[str | None, str, Cause], dict[str, tuple[float, str]]] = {}
    for row in graded:
        for test in row.result.tests:
            if test.status != "passed":
                part = test.tags[0] if test.tags else None
                members = by_cause.setdefault((part, test.name, cause_of(test.output)), {})
                members[row.name] = (test.max_score - test.score, first_line(test.output))
    merged: dict[tuple, list] = {}
    for (part, check, cause), members in by_cause.items():
        merged.setdefault((part, tuple(sorted(members))), []).append((check, cause, members))
    groups = [
        CauseGroup(
            part,
            [(check, cause) for check, cause, _ in found],
            sum(statistics.fmean(lost for lost, _ in m.values()) for _, _, m in found),
            next(iter(found[0][2].values()))[1],
            list(names),
        )
        for (part, names), found in merged.items()
    ]
    return sorted(groups, key=lambda g: (-g.count, g.part or "", [c.text for _, c in g.causes]))


def _part_summaries(report: ClassReport) -> list[PartSummary]:
    summaries = []
    for part, points in report.lab.parts.items():
        lost = [row for row in report.graded if row.part(part) < points - 1e-9]
        by_cause: dict[str, set[str]] = {}
        for group in report.causes:
            if group.part == part:
                for _, cause in group.causes:
                    by_cause.setdefault(cause.label(), set()).update(group.submissions)
        causes = sorted(((label, len(names)) for label, names in by_cause.items()),
                        key=lambda item: (-item[1], item[0]))  # fmt: skip
        summaries.append(PartSummary(part, points, len(lost), len(report.graded), causes))
    return summaries


def _latest_export(gradebook: Gradebook, lab: str) -> ExportStatus | None:
    export = gradebook.latest_export(lab)
    if export is None:
        return None
    # An entry is late when its late policy counted days: the export's reason says so.
    late = [(g["name"], g["reason"]) for g in export.grades
            if g["status"] == "graded" and g["reason"].startswith("Late:")]  # fmt: skip
    missing = sum(g["status"] == "missing" for g in export.grades)
    changes = None
    if export.previous is not None:
        finals = [(g["student"], g["name"], g["final"]) for g in export.grades]
        changes = changes_between(export.previous, finals)
    return ExportStatus(export.created_at, export.format, export.assignment, len(late), missing,
                        changes, sorted(late))  # fmt: skip


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


LABEL_WIDTH = 34  # characters of a check's name on the plot; the table has it whole


def check_label(number: int, name: str) -> str:
    """`3. the check's name`, shortened with … and wrapped on two lines at most."""
    lines = textwrap.wrap(f"{number}. {name}", LABEL_WIDTH, max_lines=2, placeholder=" …")
    return "\n".join(lines)


def _pass_rates(checks: list[CheckStatistics], path: Path) -> str:
    pass_rate_figure(checks).savefig(path, dpi=100)  # not _save: its y axis holds names
    return path.name


def pass_rate_figure(checks: list[CheckStatistics]) -> Figure:
    """A bar per check, labelled by its number and name (shortened and wrapped: the table
    beside it has the whole name), laid out so that every label lies inside the figure."""
    labels = [check_label(number, check.name) for number, check in enumerate(checks, start=1)]
    figure = Figure(figsize=(7, 0.6 + 0.45 * max(1, len(checks))))
    axes = figure.add_subplot()
    axes.barh(labels[::-1], [100 * check.pass_rate for check in reversed(checks)],
              color="#c0793a")  # fmt: skip
    axes.tick_params(axis="y", labelsize=8)
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of graded submissions passing")
    figure.tight_layout()
    return figure


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


# A table or list whose length grows with the class shows this many rows at most (a MOOC
# has 10,000 students); the rest are counted, and the page says where to find them.
CAP = 50
WHOLE_CLASS = (
    "<code>autograder export csv</code> lists every file, and the review page"
    " (<code>autograder review</code>) filters and pages through them"
)


def more_line(key: str, hidden: int, where: str = WHOLE_CLASS) -> str:
    """The line under a capped table: how many rows it leaves out, and where they are."""
    if hidden <= 0:
        return ""
    return f'<p class="more">… and {stat(f"more:{key}", hidden)} more: {where}.</p>'


def capped_table(
    key: str, headers: list[str], rows: list[list[str]], where: str = WHOLE_CLASS
) -> str:
    """The first CAP rows as a table, and how many more there are."""
    return table(headers, rows[:CAP]) + more_line(key, len(rows) - CAP, where)


def capped_names(names: list[str], cap: int = 10) -> str:
    """Who, in a table's cell: the first few names, and how many others."""
    shown = ", ".join(names[:cap])
    return shown + (f" and {len(names) - cap} more" if len(names) > cap else "")


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


def _discrimination(check: CheckStatistics) -> str:
    return "-" if check.discrimination is None else f"{check.discrimination:+.2f}"


def _checks_section(report: ClassReport, plots: dict[str, str]) -> str:
    rows = [
        [
            esc(str(number)),
            esc(check.name),
            esc(check.part or ""),
            esc(f"{check.points:g}"),
            stat(f"passed:{check.name}", check.passed),
            stat(f"checked:{check.name}", check.checked),
            esc(f"{100 * check.pass_rate:.0f}%"),
            stat(f"mean-points:{check.name}", _number(check.mean_points)),
            stat(f"discrimination:{check.name}", _discrimination(check)),
            stat(f"flags:{check.name}", "; ".join(check.flags)),
        ]
        for number, check in enumerate(report.checks, start=1)
    ]
    seen = [flag for flag in FLAG_MEANINGS if any(flag in c.flags for c in report.checks)]
    meanings = "".join(f"<li><b>{esc(flag)}</b>: {esc(FLAG_MEANINGS[flag])}.</li>" for flag in seen)
    return (
        "<h2>Checks</h2><p>Each check among graded submissions: pass rate, mean points, and"
        " discrimination (the point-biserial correlation of passing it with the rest of the"
        " score: how well it separates strong submissions from weak ones; below 0, the"
        " strong fail it more).</p>"
        f"{image(plots['checks'], 'Pass rate per check, numbered as in the table')}"
        + table(
            [
                "#",
                "check",
                "part",
                "points",
                "passed",
                "of",
                "rate",
                "mean points",
                "discrimination",
                "flags",
            ],
            rows,
        )  # fmt: skip
        + (f"<p>What the flags usually mean:</p><ul>{meanings}</ul>" if meanings else "")
    )


def _part_line(summary: PartSummary) -> str:
    share = summary.lost / summary.graded if summary.graded else 0.0
    causes = "".join(
        f"<li>{esc(label)}: <b>{count}</b></li>" for label, count in summary.causes[:3]
    )
    return (
        f"<li><b>{esc(summary.part)}</b>: {stat(f'part-lost:{summary.part}', f'{share:.0%}')}"
        f" lost points ({summary.lost} of {summary.graded})"
        + (f". Most common causes, with how many students:<ol>{causes}</ol>" if causes else "")
        + "</li>"
    )


def _causes_section(report: ClassReport) -> str:
    lines = "".join(_part_line(summary) for summary in report.parts)
    summary = f"<h3>By part, for the lecture</h3><ul>{lines}</ul>"
    if not report.causes:
        return f"<h2>What the class got wrong</h2>{summary}<p>No check failed.</p>"
    rows = [
        [
            esc(group.part or ""),
            "<ul>"
            + "".join(
                f"<li>{esc(check)}: <b>{esc(cause.label())}</b></li>"
                for check, cause in group.causes
            )
            + "</ul>",  # fmt: skip
            stat(f"cause:{index}", group.count),
            esc(_number(group.points_lost)),
            f"<code>{esc(group.example)}</code>",
            esc(capped_names(group.submissions)),
        ]
        for index, group in enumerate(report.causes[:CAP])
    ]
    return (
        f"<h2>What the class got wrong</h2>{summary}<h3>Failures by cause</h3>"
        "<p>Failed checks grouped by their cause: the hint that matched, the error the code"
        " raised, a time limit, or the message with its numbers set aside (each student's"
        " hidden inputs differ). Checks of one part failed by the same submissions are one"
        " row: one mistake usually fails several. One example message per row, as its"
        " student read it.</p>"
        + table(
            ["part", "checks failed, and why", "submissions", "points lost", "for example", "who"],
            rows,
        )  # fmt: skip
        + more_line(
            "causes",
            len(report.causes) - CAP,
            "rarer causes, each failed by fewer"
            " submissions than those above; the review page filters by failing check",
        )
    )


def _similar_section(similarity: Similarity | None) -> str:
    if similarity is None:
        return ""
    options = similarity.options
    intro = (
        f"<h2>Similar submissions</h2><p>{similarity.compared} graded notebook(s) compared"
        + (f" with earlier terms' ({esc(str(options.reference))})" if options.reference else "")
        + f"; pairs whose own code (what the assignment and the solution don't hold) is"
        f" shared at {options.threshold:.0%} or more:"
        f" {stat('similar:pairs', len(similarity.pairs))}. A pointer for you to read both,"
        " never a verdict: students of one course write alike. Computed on this machine;"
        " nothing was sent anywhere.</p>"
    )
    problems = "".join(f"<li>{esc(line)}</li>" for line in similarity.problems)
    rows = [
        [esc(pair.first.name), esc(pair.second.name), stat(f"similar:{index}", f"{pair.score:.0%}")]
        for index, pair in enumerate(similarity.pairs)
    ]
    views = "".join(_side_by_side(pair) for pair in similarity.pairs[:CAP])
    where = "the most alike are listed first; the review page's similar submissions show them all"
    return (
        intro
        + (f"<ul>{problems}</ul>" if problems else "")
        + (capped_table("similar", ["submission", "submission", "shared"], rows, where)
           if rows else "")
        + views
    )  # fmt: skip


def _side_by_side(pair: SimilarPair) -> str:
    """Both notebooks' code, the shared regions marked (and bracketed, for plain text)."""
    columns = "".join(
        f"<div><h4>{esc(code.name)}</h4><pre>{_marked_code(code.text, regions)}</pre></div>"
        for code, regions in zip((pair.first, pair.second), pair.regions, strict=True)
    )
    return (
        f"<h3>{esc(pair.first.name)} and {esc(pair.second.name)}: {pair.score:.0%}</h3>"
        f'<div class="pair">{columns}</div>'
    )


def _marked_code(text: str, regions) -> str:
    return "".join(
        f"<mark>⟦{esc(piece)}⟧</mark>" if shared else esc(piece)
        for piece, shared in marked(text, regions)
    )


SUBMISSION_COLUMNS = ["file", "status", "score", "s", "note"]


def _submission_row(row: Row) -> list[str]:
    return [
        esc(row.name),
        esc(row.status),
        stat(f"score:{row.source}", _number(row.score)),
        esc("-" if row.seconds is None else f"{row.seconds:.1f}"),
        esc(" ".join(filter(None, [row.note, *_override_notes(row)]))),
    ]


def _submissions_section(report: ClassReport, plots: dict[str, str]) -> str:
    times = (
        "<h2>Time per submission</h2>"
        f"{image(plots['times'], 'Histogram of seconds per submission')}"
    )
    rows = sorted(report.rows, key=lambda row: row.name)
    if len(rows) <= CAP:
        every = table(SUBMISSION_COLUMNS, [_submission_row(row) for row in rows])
        return f"{times}<h2>Every submission</h2>{every}"
    return f"{times}<h2>Submissions to act on</h2>{_to_act_on(report, rows)}"


ACTIONS = {  # status -> what the instructor does about such a file
    "not gradable": "what the student must fix before it can be graded",
    "grader failure": "run the same grade command again: it grades them",
}


def _to_act_on(report: ClassReport, rows: list[Row]) -> str:
    """A large class's files that need the instructor, by what they need; the graded ones
    are in the counts, the plots and the statistics above."""
    overridden = stat("to-act:overridden", sum(1 for row in rows if row.adjusted
                                                 and row.adjusted.applied))  # fmt: skip
    parts = [
        f"<p>{len(rows):,} files: too many to list here; {WHOLE_CLASS}. Below are those that"
        f" need you, {CAP} of each kind at most ({overridden} overridden: under Overrides).</p>"
    ]
    for status, why in ACTIONS.items():
        found = [_submission_row(row) for row in rows if row.status == status]
        count = stat(f"to-act:{status}", len(found))
        parts.append(f"<h3>{esc(status.capitalize())}: {count}</h3><p>{esc(why)}.</p>")
        parts.append(capped_table(status, SUBMISSION_COLUMNS, found) if found else "")
    if report.export is not None:
        late = [[esc(name), esc(reason)] for name, reason in report.export.late_entries]
        count = stat("to-act:late", len(late))
        parts.append(f"<h3>Late, as the latest export judged them: {count}</h3>")
        parts.append(capped_table("late", ["student", "late"], late) if late else "")
    return "".join(parts)


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
        f" include them.</p>"
        + capped_table(
            "overridden",
            ["file", "autograder", "score", "overrides"],
            rows,
            "<code>autograder history STUDENT</code> shows one student's, and the"
            " review page marks them ✎",
        )  # fmt: skip
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
        items = "".join(f"<li>{esc(change.line())}</li>" for change in export.changes[:CAP])
        changed = (
            f"<p>{stat('export:changed', len(export.changes))} changed:</p><ul>{items}</ul>"
            + more_line("changed", len(export.changes) - CAP,
                        "<code>autograder export --dry-run</code> lists every change")
        )  # fmt: skip
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
            _causes_section(report),
            _checks_section(report, plots),
            _similar_section(report.similarity),
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


STATISTICS_COLUMNS = ("lab", "check", "part", "points", "checked", "passed", "pass_rate",
                      "mean_points", "discrimination", "flags")  # fmt: skip


def write_check_statistics(report: ClassReport, path: Path) -> None:
    """The checks' statistics as CSV, one row per check, to keep across terms."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(STATISTICS_COLUMNS)
        for check in report.checks:
            discrimination = "" if check.discrimination is None else f"{check.discrimination:.4f}"
            writer.writerow([report.lab.name, check.name, check.part or "", f"{check.points:g}",
                             check.checked, check.passed, f"{check.pass_rate:.4f}",
                             f"{check.mean_points:.4f}", discrimination,
                             "; ".join(check.flags)])  # fmt: skip


def write_class_report(
    gradebook_path: Path,
    out: Path,
    lab_reference: str | None = None,
    csv_path: Path | None = None,
    similarity: SimilarityOptions | None = None,
) -> Path:
    """out/index.html and its PNG plots (and the checks' statistics as CSV at csv_path);
    returns the page's path."""
    gradebook = Gradebook.open(gradebook_path)
    try:
        report = build_class_report(gradebook, lab_reference, similarity)
    finally:
        gradebook.close()
    if csv_path is not None:
        write_check_statistics(report, csv_path)
    out.mkdir(parents=True, exist_ok=True)
    plots = draw_plots(report, out)
    page = out / "index.html"
    page.write_text(render_page(report, plots), encoding="utf-8")
    log.info("class report for %d submission(s) written to %s", len(report.rows), page)
    return page
