"""Grading many submissions at once: worker processes, each with its own warm fork server.

Workers are grader processes (they run the hidden checks), so their results may travel
back to the main process by pickle; nothing from a student's process ever does.
"""

import logging
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

from autograder.grade import GradingOptions, grade_submission, ungraded
from autograder.intake import Submission
from autograder.lab import Lab, get_lab
from autograder.results import SubmissionResult
from autograder.sandbox.forkserver import ForkServer, ForkServerDied

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # per submission, when a worker dies under it


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
                for attempt in range(1, MAX_ATTEMPTS + 1):
                    try:
                        result = grade_submission(submission, lab, options, server)
                        break
                    except ForkServerDied as error:  # killed by the kernel, say: start anew
                        server.close()
                        server = ForkServer.start(gpu=options.gpu)
                        result = _grader_failure(submission, lab, str(error))
                        log.warning("%s, attempt %d: %s", submission.source, attempt, error)
                yield submission, result
        finally:
            server.close()
        return
    context = get_context("spawn")  # workers start clean: no inherited threads or TensorFlow
    attempts = {id(submission): 0 for submission in submissions}
    queue = list(submissions)
    while queue:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(options.gpu,)
        ) as pool:
            pending: dict[Future, Submission] = {
                pool.submit(_grade_in_worker, s, lab.name, options): s for s in queue
            }
            queue = []
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    submission = pending.pop(future)
                    attempts[id(submission)] += 1
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        # A worker died (killed by the kernel, say): every submission it
                        # took down gets one more try in a fresh pool.
                        if attempts[id(submission)] < MAX_ATTEMPTS:
                            queue.append(submission)
                            continue
                        result = _grader_failure(submission, lab, "its worker was killed")
                    except Exception as error:  # noqa: BLE001 - never lose the submission
                        result = _grader_failure(submission, lab, type(error).__name__)
                    yield submission, result


def _grader_failure(submission: Submission, lab: Lab, what: str) -> SubmissionResult:
    log.error("grading %s failed in the grader: %s", submission.source, what)
    result = ungraded(
        lab,
        f"Not graded: the grader failed on this submission ({what}), not the student."
        " Running the same command again grades it.",
    )
    result.extra_data["grader_failure"] = True  # the gradebook does not keep it as final
    return result
