"""One student's feedback page: their scores, every check's message, the cells that failed.

The page shows only what the student's result already holds (Gradescope's results.json:
each check's score and message, the grader's summary, each cell's status and error) and
the late penalty the export's standing applied. Hidden checks, the check source and the
grader's sandbox details never reach it. Everything a student controls (file names,
exception messages, lines quoted from their code, names from a roster) is HTML-escaped
where it is written. The page is one self-contained file: inline CSS, no scripts, no
images, no fonts, so it opens offline and can be attached to an LMS comment as it is.
"""

import json
from dataclasses import dataclass
from pathlib import PurePath

from autograder.pages.html import STYLE, esc, stat
from autograder.results import SubmissionResult
from autograder.standing import Entry
from autograder.student import Student

# Long unbroken messages (paths, repr of tensors) wrap instead of widening a phone's page.
PAGE_STYLE = (
    STYLE
    + """
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: 0.5em;
      margin: 0.25em 0 0.75em; font-size: 0.9em; }
.check, .cell { border-left: 4px solid #bbb; padding: 0.1em 0 0.1em 0.75em; margin: 0.75em 0; }
.passed { border-color: #5a8f5a; }
.failed { border-color: #c0392b; }
h3 { font-size: 1em; margin: 0.25em 0; overflow-wrap: anywhere; }
.final { font-size: 1.2em; font-weight: bold; }
"""
)
# A second wall behind the escaping: a browser that honours it runs no script and loads
# nothing, whatever the page holds.
CSP = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class StudentFeedback:
    """What one student's page shows: their counted submission and its standing."""

    student: Student
    file: str  # the submitted file's name, without the instructor's folders
    source_path: str  # where the grader found it: names the LMS entry, never shown
    result: SubmissionResult
    status: str  # graded | not gradable
    raw: float
    penalty: float
    final: float
    reason: str  # the late policy's explanation, or why the file was not gradable
    max_score: float
    overrides: tuple[str, ...] = ()  # what the instructor changed; private reasons left out
    parts: dict[str, float] | None = None  # each part's score, part overrides applied


def feedback_for(entry: Entry, max_score: float) -> StudentFeedback | None:
    """The page's content for a roster entry; None for a student without a submission."""
    if entry.submission is None:
        return None
    row = entry.submission
    raw = float(entry.raw if entry.raw is not None else row["score"])
    return StudentFeedback(
        student=entry.student,
        file=PurePath(row["source_path"]).name,
        source_path=row["source_path"],
        result=(
            entry.adjusted.student_result()
            if entry.adjusted
            else SubmissionResult.from_json(json.loads(row["result_json"]))
        ),
        status=entry.status,
        raw=raw,
        penalty=entry.penalty,
        final=float(entry.final if entry.final is not None else raw),
        reason=entry.reason,
        max_score=max_score,
        overrides=tuple(entry.override_notes(for_student=True)),
        parts=entry.adjusted.parts if entry.adjusted else None,
    )


def _points(value: float) -> str:
    return f"{value:g}"


def _score_section(feedback: StudentFeedback) -> str:
    of = f" / {_points(feedback.max_score)}"
    lines = [f"<p>Score from the checks: {stat('raw', _points(feedback.raw))}{esc(of)}</p>"]
    if feedback.status == "not gradable":
        lines.append(f"<p>Not graded: <strong>{esc(feedback.reason)}</strong></p>")
    if feedback.penalty:
        lines.append(
            f"<p>Late penalty: −{stat('penalty', _points(feedback.penalty))} points."
            f" {esc(feedback.reason)}</p>"
        )
    if feedback.overrides:
        items = "".join(f'<li data-stat="override">{esc(note)}</li>' for note in feedback.overrides)
        lines.append(f"<p>Adjusted by your instructor:</p><ul>{items}</ul>")
    lines.append(
        f'<p class="final">Final score: {stat("final", _points(feedback.final))}{esc(of)}</p>'
    )
    return "<h2>Score</h2>" + "".join(lines)


def _parts_section(feedback: StudentFeedback) -> str:
    scores = feedback.parts or {}
    rows = "".join(
        f"<tr><td>{esc(part)}</td><td>{stat('part:' + part, _points(scores.get(part, score)))}"
        f"</td><td>{esc(_points(best))}</td></tr>"
        for part, (score, best) in feedback.result.part_scores().items()
    )
    return (
        "<h2>Parts</h2><div class='scroll'><table><tr><th>part</th><th>score</th>"
        f"<th>of</th></tr>{rows}</table></div>"
    )


def _checks_section(result: SubmissionResult) -> str:
    shown = [test for test in result.tests if test.visibility != "hidden"]
    blocks = []
    for test in shown:
        passed = test.status == "passed"
        # The part, unless the check's name already starts with it ("part: …").
        part = f" ({test.tags[0]})" if test.tags and not test.name.startswith(test.tags[0]) else ""
        message = f"<pre>{esc(test.output)}</pre>" if test.output else ""
        blocks.append(
            f'<div class="check {"passed" if passed else "failed"}">'
            f"<h3>{esc(test.name)}{esc(part)}</h3>"
            f"<p>{esc('passed' if passed else 'not passed')}:"
            f" {stat(f'check:{test.name}', _points(test.score))} / {esc(_points(test.max_score))}"
            f"</p>{message}</div>"
        )
    hidden = len(result.tests) - len(shown)
    note = f"<p>{hidden} further check(s) are not shown.</p>" if hidden else ""
    return "<h2>Checks</h2>" + "".join(blocks) + note


def _cell_block(cell: dict) -> str:
    error = cell.get("error") or {}
    lines = []
    if error:
        kind, message = error.get("type") or "Error", error.get("message") or ""
        lines.append(f"<pre>{esc(kind)}: {esc(message)}</pre>")
        if error.get("where"):
            lines.append(f"<p>At {esc(error['where'])}.</p>")
    if cell.get("output"):  # printed output, when the result keeps it
        lines.append(f"<p>It printed:</p><pre>{esc(cell['output'])}</pre>")
    notes = cell.get("notes") or []
    if notes:
        items = "".join(f"<li><code>{esc(note)}</code></li>" for note in notes)
        lines.append(f"<p>Not run in grading:</p><ul>{items}</ul>")
    return (
        f'<div class="cell failed"><h3>Code cell {esc(cell.get("cell", "?"))}:'
        f" {esc(cell.get('status', ''))}</h3>{''.join(lines)}</div>"
    )


def _cells_section(result: SubmissionResult) -> str:
    cells = [
        cell
        for cell in result.extra_data.get("cells") or []
        if isinstance(cell, dict) and (cell.get("status") != "ok" or cell.get("notes"))
    ]
    summary = f"<pre>{esc(result.output)}</pre>" if result.output else ""
    if not cells:
        ran = (
            "<p>Every code cell ran without an error.</p>" if result.extra_data.get("cells") else ""
        )
        return f"<h2>Your notebook</h2>{summary}{ran}"
    return (
        "<h2>Your notebook</h2>"
        f"{summary}<p>Cells that failed, were stopped or were not fully run:</p>"
        + "".join(_cell_block(cell) for cell in cells)
    )


def render_feedback_fragment(feedback: StudentFeedback) -> str:
    """The page's scores, parts and checks as an HTML fragment, for an LMS's feedback
    field (Blackboard's "Feedback to Learner"): no document, no style, no cells."""
    return "".join(
        [
            _score_section(feedback),
            _parts_section(feedback),
            _checks_section(feedback.result),
        ]
    )


def render_student_page(feedback: StudentFeedback, title: str) -> str:
    heading = f"{title}: feedback"
    body = "".join(
        [
            f"<h1>{esc(heading)}</h1>",
            f'<p>Student: <strong data-stat="student">{esc(feedback.student.name)}</strong><br>',
            f'File: <code data-stat="file">{esc(feedback.file)}</code></p>',
            _score_section(feedback),
            _parts_section(feedback),
            _checks_section(feedback.result),
            _cells_section(feedback.result),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{esc(heading)}</title><style>{PAGE_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
