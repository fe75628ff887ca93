"""One grading run: submissions in, results kept. `grade`, `regrade` and the Gradescope
runner all grade through here.

A run picks the lab, asks the gradebook which submissions it already holds a result for
(same content, same grader and lab version), grades the rest on an engine (this
machine's worker processes, or a Dask cluster) and commits each result as it arrives:
the gradebook row first, then the result file. A row without its file is rewritten from
the gradebook on the next run; a file without its row would be graded again.
"""

import contextlib
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from autograder.batch import default_workers, grade_batch
from autograder.cluster.client import ClusterError, cluster_threads, connect, grade_on_cluster
from autograder.grade import GradingOptions
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


@dataclass
class RunResults:
    lab: Lab
    results: list[Graded] = field(default_factory=list)  # every submission, by name
    graded_now: list[Graded] = field(default_factory=list)  # graded in this run
    seconds: float = 0.0  # grading time of this run
    override_notices: list[str] = field(default_factory=list)  # overrides the run touched


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
    result as it arrives, and return every submission's result."""
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
        run.results.append((submission, previous))
        if not (out_dir / f"{submission.name}.json").exists():
            previous.write(out_dir / f"{submission.name}.json")
    if progress:
        cached = len(submissions) - len(to_grade)
        progress.planned(lab, len(to_grade), cached, engine.describe(len(to_grade)))
    started = time.monotonic()
    # closing() stops the workers too when writing a result fails
    with contextlib.closing(engine.grade(to_grade)) as graded:
        for submission, result in graded:
            gradebook.record(
                run_id, version, submission, result, result.extra_data.get("started_at", "")
            )
            result.write(out_dir / f"{submission.name}.json")
            run.results.append((submission, result))
            run.graded_now.append((submission, result))
            if progress:
                progress.graded(submission, result)
    gradebook.finish_run(run_id)
    run.seconds = time.monotonic() - started
    run.results.sort(key=lambda pair: pair[0].name)
    run.override_notices = override_notices(gradebook, lab.reference, run.graded_now)
    return run


def override_notices(gradebook: Gradebook, lab: str, graded: list[Graded]) -> list[str]:
    """For each submission just graded whose student has overrides in force: that they
    stay, and what changed under them."""
    in_force = gradebook.overrides_in_force()
    lines = []
    for submission, result in graded:
        subject = subject_of({"student": submission.student, "source_path": str(submission.source)})
        overrides = in_force.get((subject, lab), [])
        if not overrides or submission.superseded_by:
            continue
        kept = ", ".join(override.what() for override in overrides)
        lines.append(f"{submission.name}: overrides kept ({kept})")
        lines += [f"{submission.name}: {line}" for line in drift(submission.sha256, result,
                                                                 overrides)]  # fmt: skip
    return lines


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
