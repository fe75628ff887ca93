"""Grading one submission end to end: notebook → student process → hidden checks → result."""

import json
import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autograder import __version__
from autograder.hints import explain_error
from autograder.lab import Lab
from autograder.notebook import Notebook, NotebookError, load_notebook
from autograder.reading import IntakeError, load
from autograder.results import SubmissionResult, TestResult
from autograder.runner import run_checks
from autograder.sandbox.confine import reachable_temp_dir
from autograder.sandbox.forkserver import ForkServer, ForkServerDied
from autograder.sandbox.session import CellReport, Limits, NotebookSession, ProbeFailed
from autograder.seeding import submission_seed
from autograder.submission import Submission

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GradingOptions:
    limits: Limits = Limits()
    gpu: bool = False


class CachedObserver:
    """Each distinct probe request runs once per submission; checks share the answers."""

    def __init__(self, session: NotebookSession):
        self.session = session
        self.answers: dict[str, dict | ProbeFailed] = {}
        self.hung: dict[str, ProbeFailed] = {}  # probe name -> its time-out
        self.grader_failure: ForkServerDied | None = None  # re-raised after the checks

    def __call__(self, name: str, **args) -> dict:
        key = json.dumps([name, args], sort_keys=True)
        if key not in self.answers:
            try:
                # Code that hung once is not given the full time limit again.
                if name in self.hung:
                    raise self.hung[name]
                self.answers[key] = self.session.probe(name, **args)
            except ForkServerDied as failure:
                self.grader_failure = failure
                raise
            except ProbeFailed as failure:
                self.answers[key] = failure
                if failure.timed_out:
                    self.hung[name] = failure
        answer = self.answers[key]
        if isinstance(answer, ProbeFailed):
            raise answer
        return answer


def grade_submission(
    submission: Submission,
    lab: Lab,
    options: GradingOptions,
    forkserver: ForkServer | None = None,
) -> SubmissionResult:
    """Grade one submission; without a fork server, its process imports TensorFlow cold."""
    started, started_at = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    if submission.superseded_by:
        result = superseded(lab, submission)
    elif submission.problem:
        result = ungraded(lab, f"Not graded: {submission.problem}.")
    else:
        try:  # read only now: a class of any size never sits in memory (reading.py)
            notebook = load_notebook(load(submission).data or b"")
        except IntakeError as error:  # moved or changed since intake: not the student's doing
            result = grader_failure(submission, lab, str(error))
        except NotebookError as error:
            result = ungraded(lab, f"Not graded: {error}.")
        else:
            result = _grade_notebook(notebook, lab, options, forkserver)
    result.execution_time = time.monotonic() - started
    stamp(result, submission)
    result.extra_data["grader"] = {"version": __version__, "lab": lab.name}
    result.extra_data["started_at"] = started_at
    return result


def stamp(result: SubmissionResult, submission: Submission) -> SubmissionResult:
    """Writes into the result whose file it is. A result reused for another file with the
    same bytes is stamped again, for that file, before it is recorded or written."""
    result.extra_data["submission"] = {
        "path": str(submission.source),
        "sha256": submission.sha256,
        "student": submission.student,
        "submitted_at": submission.submitted_at,
        "late": submission.late,
    }
    return result


def _grade_notebook(
    notebook: Notebook, lab: Lab, options: GradingOptions, forkserver: ForkServer | None
) -> SubmissionResult:
    seed = submission_seed(notebook.code_sources(), lab.name)
    cells = [(cell.number, cell.python) for cell in notebook.cells]
    with tempfile.TemporaryDirectory(prefix="autograder-", dir=reachable_temp_dir()) as workdir:
        with NotebookSession(
            cells, lab.probes_module, Path(workdir), options.limits, options.gpu, forkserver
        ) as session:
            try:
                reports = session.run_cells()
            except ProbeFailed as failure:
                reports = [session.reports[i] for i in sorted(session.reports)]
                session.problems.append(str(failure))
            context = {"cell_problems": _cell_problems(reports, lab)}
            observer = CachedObserver(session)
            tests = run_checks(lab.checks_dir, observer, seed, context)
            if observer.grader_failure is not None:  # the checks' verdicts can't be trusted
                raise observer.grader_failure
            problems = list(session.problems)
            defences = dict(session.defences)
    order = list(lab.parts)
    tests.sort(key=lambda test: order.index(test.tags[0]) if test.tags else len(order))
    score = sum(test.score for test in tests)
    return SubmissionResult(
        score=score,
        tests=tests,
        output=_summary(reports, problems, lab),
        extra_data={"cells": [_cell_json(report) for report in reports], "sandbox": defences},
    )


def ungraded(lab: Lab, reason: str) -> SubmissionResult:
    """Every check failed with the same reason, so part totals still show what was at stake."""
    tests = [
        TestResult(
            name=f"{part}: not graded",
            score=0.0,
            max_score=points,
            status="failed",
            output=reason,
            tags=[part],
        )
        for part, points in lab.parts.items()
    ]
    return SubmissionResult(score=0.0, tests=tests, output=reason, extra_data={"ungraded": True})


def grader_failure(submission: Submission, lab: Lab, what: str) -> SubmissionResult:
    """A result that says the grader, not the student, failed; the next run grades it again."""
    log.error("grading %s failed in the grader: %s", submission.source, what)
    result = ungraded(
        lab,
        f"Not graded: the grader failed on this submission ({what}), not the student."
        " Running the same command again grades it.",
    )
    result.extra_data["grader_failure"] = True  # the gradebook does not keep it as final
    return result


def superseded(lab: Lab, submission: Submission) -> SubmissionResult:
    result = ungraded(
        lab,
        f"Not graded: superseded by {submission.superseded_by}, a newer submission from the"
        " same student. Only the newest submission counts.",
    )
    result.extra_data["superseded_by"] = submission.superseded_by
    return result


def _cell_problems(reports: list[CellReport], lab: Lab) -> list[str]:
    return [
        f"code cell {report.number}: {explain_error(report.error, lab.hints)}"
        for report in reports
        if report.status != "ok" and report.error
    ]


def _summary(reports: list[CellReport], problems: list[str], lab: Lab) -> str:
    ok = sum(report.status == "ok" for report in reports)
    lines = [f"Ran {len(reports)} code cells: {ok} ran cleanly."]
    lines += [f"- {problem}" for problem in _cell_problems(reports, lab)]
    skipped = [note for report in reports for note in report.notes]
    if skipped:
        lines.append(f"Not run in grading ({len(skipped)}): " + "; ".join(skipped[:5]))
    lines += [f"- {problem}" for problem in problems]
    return "\n".join(lines)


def _cell_json(report: CellReport) -> dict:
    return {
        "cell": report.number,
        "status": report.status,
        "seconds": round(report.seconds, 3),
        "error": report.error,
        "notes": report.notes,
    }
