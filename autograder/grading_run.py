"""One grading run: submissions in, results kept. `grade`, `regrade` and the Gradescope
runner all grade through here.

A run picks the lab, asks the gradebook which submissions it already holds a result for
(same content, same grader and lab version; a file whose bytes were graded for another
file gets that verdict in a row of its own), grades the rest on an engine (this
machine's worker processes, or a Dask cluster) and commits each result as it arrives:
the gradebook row first, then the result file. A row without its file is rewritten from
the gradebook on the next run; a file without its row would be graded again.
"""

import contextlib
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from autograder.batch import default_workers, grade_batch
from autograder.cluster.client import ClusterError, cluster_threads, connect, grade_on_cluster
from autograder.grade import GradingOptions, stamp
from autograder.gradebook import Gradebook, lab_version, subject_of
from autograder.intake import IntakeError, discover, notebook_lab
from autograder.lab import Lab, LabError, get_lab, known_labs, only_lab
from autograder.overrides import drift
from autograder.results import SubmissionResult
from autograder.submission import Submission

Graded = tuple[Submission, SubmissionResult]


class RunError(Exception):
    """The run can't start or go on; the message says why and what to do."""


@dataclass(frozen=True)
class GradingEngine:
    """Where submissions are graded: this machine's worker processes, or a Dask cluster."""

    describe: Callable[[int], str]  # for n submissions to grade: "2 worker(s)"
    grade: Callable[[list[Submission]], Iterator[Graded]]


@contextlib.contextmanager
def grading_engine(
    lab: Lab,
    options: GradingOptions,
    *,
    workers: int | None = None,
    dask: str | None = None,
    connect_now: bool = True,
) -> Iterator[GradingEngine]:
    """This machine's worker processes (one: in this process), or the Dask cluster at
    `dask` (an address, a scheduler file, or local[:N]): connected at once, or, without
    `connect_now`, only when there is something to grade."""
    if dask is None:

        def count(n: int) -> int:
            return max(1, min(workers or default_workers(), n))

        yield GradingEngine(
            describe=lambda n: f"{count(n)} worker(s)",
            grade=lambda batch: grade_batch(batch, lab, options, count(len(batch))),
        )
        return
    # Connecting checks the workers' versions: a refusal comes before anything is graded.
    # A run whose every submission is in the gradebook already never connects.
    with contextlib.ExitStack() as stack:
        connected: list = []

        def client():
            if not connected:
                connected.append(stack.enter_context(connect(dask, options.gpu, default_workers())))
            return connected[0]

        if connect_now:
            client()

        def describe(count: int) -> str:
            if not count:
                return f"the Dask cluster at {dask} not contacted"
            return f"{cluster_threads(client())} Dask worker(s) at {dask}"

        yield GradingEngine(
            describe=describe,
            grade=lambda batch: (
                grade_on_cluster(client(), batch, lab, options) if batch else _no_results()
            ),
        )


def _no_results() -> Iterator[Graded]:
    """An empty run's results: a generator, closed like any other."""
    yield from ()


class Progress(Protocol):
    """What a run tells whoever watches it."""

    def planned(self, lab: Lab, to_grade: int, cached: int, engine: str) -> None: ...

    def graded(self, submission: Submission, result: SubmissionResult) -> None: ...


SHOWN_ROWS = 50  # a larger run's table lists only submissions that were not gradable


@dataclass(frozen=True)
class RowLine:
    """What a run keeps of one submission for the terminal's table."""

    name: str
    score: float
    parts: tuple[float, ...]  # in the lab's order of parts
    note: str  # why it was not graded, if it wasn't
    needs_a_look: bool  # not gradable, and not set aside for a newer file


@dataclass
class RunResults:
    """A run's tally. Each result is committed and released as it arrives; what stays is
    a few numbers and at most SHOWN_ROWS lines for the table, whatever the class's size."""

    lab: Lab
    count: int = 0  # every submission, graded now or already in the gradebook
    graded_now: int = 0
    total_score: float = 0.0
    full_marks: int = 0
    not_gradable: int = 0
    rows: list[RowLine] = field(default_factory=list)  # all, or the ones not gradable
    rows_left_out: int = 0  # not gradable and not in `rows`
    sandbox_gaps: Counter = field(default_factory=Counter)  # (defence, outcome) -> count
    seconds: float = 0.0  # grading time of this run
    override_notices: list[str] = field(default_factory=list)  # overrides the run touched

    @property
    def every_row_shown(self) -> bool:
        return self.count <= SHOWN_ROWS

    def add(self, submission: Submission, result: SubmissionResult) -> None:
        self.count += 1
        self.total_score += result.score
        self.full_marks += result.score == self.lab.max_score
        ungraded = bool(result.extra_data.get("ungraded"))
        self.not_gradable += ungraded
        self.sandbox_gaps.update(result.refused_defences())
        if not self.every_row_shown and self.count == SHOWN_ROWS + 1:
            self.rows = [row for row in self.rows if row.needs_a_look]
        row = _row_line(submission, result, self.lab, ungraded)
        if self.every_row_shown or (row.needs_a_look and len(self.rows) < SHOWN_ROWS):
            self.rows.append(row)
        elif row.needs_a_look:
            self.rows_left_out += 1


def _row_line(
    submission: Submission, result: SubmissionResult, lab: Lab, ungraded: bool
) -> RowLine:
    parts = result.part_scores()
    return RowLine(
        submission.name,
        result.score,
        tuple(parts.get(part, (0.0, 0.0))[0] for part in lab.parts),
        result.output.splitlines()[0] if ungraded and result.output else "",
        ungraded and not submission.superseded_by,
    )


def grade_into(
    gradebook: Gradebook,
    submissions: list[Submission],
    lab: Lab,
    engine: GradingEngine,
    out_dir: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> RunResults:
    """Grade what the gradebook has no result for (everything, with `force`), commit each
    result as it arrives (its row, then its file), and tally every submission's."""
    out_dir.mkdir(parents=True, exist_ok=True)
    version = lab_version(lab)
    run_id = gradebook.start_run(lab, version, " ".join(sys.argv))
    run = RunResults(lab)
    to_grade = []
    for submission in submissions:
        previous = (
            None
            if force or submission.superseded_by
            else gradebook.previous_result(submission.sha256, version)
        )
        if previous is None:
            to_grade.append(submission)
            continue
        stamp(previous, submission)  # it may be another file's: the same bytes, graded once
        if not gradebook.holds(submission, version):
            # Another student's identical file, or this one's turn never came in a run that
            # was killed: the verdict stands, but every file needs a row of its own, or its
            # student would be missing from the exports.
            started_at = previous.extra_data.get("started_at", "")
            gradebook.record(run_id, version, submission, previous, started_at)
            previous.write(out_dir / f"{submission.name}.json")
        elif not (out_dir / f"{submission.name}.json").exists():
            previous.write(out_dir / f"{submission.name}.json")
        run.add(submission, previous)
    if progress:
        cached = len(submissions) - len(to_grade)
        progress.planned(lab, len(to_grade), cached, engine.describe(len(to_grade)))
    in_force = gradebook.overrides_in_force()
    started = time.monotonic()
    # closing() stops the workers too when writing a result fails
    with contextlib.closing(engine.grade(to_grade)) as graded:
        for submission, result in graded:
            gradebook.record(
                run_id, version, submission, result, result.extra_data.get("started_at", "")
            )
            result.write(out_dir / f"{submission.name}.json")
            run.add(submission, result)
            run.graded_now += 1
            run.override_notices += override_notices(in_force, lab.reference, submission, result)
            if progress:
                progress.graded(submission, result)
    gradebook.finish_run(run_id)
    run.seconds = time.monotonic() - started
    run.rows.sort(key=lambda row: row.name)
    return run


def override_notices(
    in_force: dict, lab: str, submission: Submission, result: SubmissionResult
) -> list[str]:
    """For a submission just graded whose student has overrides in force: that they stay,
    and what changed under them."""
    subject = subject_of({"student": submission.student, "source_path": str(submission.source)})
    overrides = in_force.get((subject, lab), [])
    if not overrides or submission.superseded_by:
        return []
    kept = ", ".join(override.what() for override in overrides)
    return [f"{submission.name}: overrides kept ({kept})",
            *(f"{submission.name}: {line}" for line in drift(submission.sha256, result,
                                                             overrides))]  # fmt: skip


def grade_path(
    path: Path,
    out_dir: Path,
    options: GradingOptions,
    *,
    lab_reference: str | None = None,
    workers: int | None = None,
    dask: str | None = None,
    gradebook_path: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> RunResults:
    """`autograder grade`: every submission under `path`, into out_dir and its gradebook."""
    try:
        submissions = discover(path)
    except IntakeError as error:
        raise RunError(str(error)) from None
    if not submissions:
        raise RunError(f"no notebooks or zips found under {path}")
    lab = lab_of(lab_reference or lab_of_notebooks(submissions))
    out_dir.mkdir(parents=True, exist_ok=True)
    gradebook_file = gradebook_path or out_dir / "gradebook.sqlite"
    # A first run connects before it writes anything; a later one only if it has work
    connect_now = force or not gradebook_file.exists()
    try:
        with grading_engine(
            lab, options, workers=workers, dask=dask, connect_now=connect_now
        ) as engine:
            gradebook = Gradebook.open(gradebook_file)
            try:
                return grade_into(
                    gradebook, submissions, lab, engine, out_dir, force=force, progress=progress
                )
            finally:
                gradebook.close()
    except ClusterError as error:
        raise RunError(str(error)) from None
    except (OSError, sqlite3.Error) as error:
        # Each submission is one transaction: whatever was recorded before this is intact.
        raise RunError(
            f"stopped: could not write the results or the gradebook in {out_dir} ({error})."
            " Every submission recorded before this is kept; free space (or fix the folder)"
            " and run the same command again to grade the rest."
        ) from None


def grade_one(submission: Submission, lab: Lab, options: GradingOptions) -> SubmissionResult:
    """One submission in this process, with its own warm fork server: the Gradescope
    runner's whole run."""
    with grading_engine(lab, options, workers=1) as engine:
        with contextlib.closing(engine.grade([submission])) as graded:
            return next(graded)[1]


def lab_of(reference: str | None) -> Lab:
    """The lab named (a name or a folder), else the one built-in lab."""
    try:
        return get_lab(reference or only_lab())
    except LabError as error:
        raise RunError(str(error)) from None


def lab_of_notebooks(submissions: list[Submission]) -> str | None:
    """The lab `assign` named in the notebooks' metadata (or, in older notebooks, otter's
    assignment name when it is a known lab), when they agree on one."""
    known = set(known_labs())
    named = set()
    for lab, otter_name in map(notebook_lab, submissions):
        if lab or otter_name in known:
            named.add(lab or otter_name)
    if len(named) > 1:
        raise RunError(
            f"the notebooks belong to several labs ({', '.join(sorted(named))}): grade each"
            " lab's notebooks on their own, with --lab"
        )
    return named.pop() if named else None


def lab_of_gradebook(reference: str | None, gradebook_path: Path) -> Lab:
    """The lab a command on a gradebook works on (Gradebook.choose_lab)."""
    gradebook = Gradebook.open(gradebook_path)
    try:
        return gradebook.choose_lab(reference)
    except LabError as error:
        raise RunError(str(error)) from None
    finally:
        gradebook.close()
