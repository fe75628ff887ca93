"""Grading many submissions at once: worker processes, each with its own warm fork server.

Workers are grader processes (they run the hidden checks), so their results may travel
back to the main process by pickle; nothing from a student's process ever does.
"""

import logging
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context

from autograder.grade import GradingOptions, grade_submission, ungraded
from autograder.intake import Submission
from autograder.lab import Lab, get_lab
from autograder.results import SubmissionResult
from autograder.sandbox.forkserver import ForkServer

log = logging.getLogger(__name__)


class _Worker:
    """The fork server of the current worker process, started on its first submission.

    Module-level by necessity: a process pool hands work to plain functions.
    """

    server: ForkServer | None = None
    gpu: bool = False

    @classmethod
    def server_for(cls) -> ForkServer:
        if cls.server is None:
            cls.server = ForkServer.start(gpu=cls.gpu)
        return cls.server


def _init_worker(gpu: bool) -> None:
    _Worker.gpu = gpu


def _grade_in_worker(submission: Submission, lab_name: str, options: GradingOptions):
    return grade_submission(submission, get_lab(lab_name), options, _Worker.server_for())


def default_workers() -> int:
    return len(os.sched_getaffinity(0))


def grade_batch(
    submissions: list[Submission], lab: Lab, options: GradingOptions, workers: int
) -> Iterator[tuple[Submission, SubmissionResult]]:
    """Yield (submission, result) as each finishes; every submission yields exactly once."""
    if not submissions:
        return
    if workers <= 1:
        server = ForkServer.start(gpu=options.gpu)
        try:
            for submission in submissions:
                yield submission, grade_submission(submission, lab, options, server)
        finally:
            server.close()
        return
    context = get_context("spawn")  # workers start clean: no inherited threads or TensorFlow
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(options.gpu,)
    ) as pool:
        pending: dict[Future, Submission] = {
            pool.submit(_grade_in_worker, s, lab.name, options): s for s in submissions
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                submission = pending.pop(future)
                yield submission, _result_of(future, submission, lab)


def _result_of(future: Future, submission: Submission, lab: Lab) -> SubmissionResult:
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - a broken worker must not lose the submission
        log.error("grading %s failed in its worker: %r", submission.source, error)
        return ungraded(lab, f"Not graded: the grader's worker failed ({type(error).__name__}).")
