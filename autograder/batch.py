"""Grading many submissions at once: worker processes, each with its own warm fork server.

Workers are grader processes (they run the hidden checks), so their results may travel
back to the main process by pickle; nothing from a student's process ever does.
"""

import ctypes
import logging
import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

from autograder.grade import GradingOptions, grade_submission, grader_failure
from autograder.lab import Lab, get_lab
from autograder.results import SubmissionResult
from autograder.sandbox.forkserver import ForkServer, ForkServerDied
from autograder.submission import Submission

log = logging.getLogger(__name__)

# Gradings per submission, whatever stopped the earlier ones (its fork server or its
# worker dying): a submission that takes the grader down every time can't stall a batch.
MAX_ATTEMPTS = 2
TASKS_PER_WORKER = 2  # submissions handed to the pool per worker process at a time


class WarmServer:
    """One grader process's fork server: started when first needed, replaced once it dies."""

    def __init__(self, gpu: bool):
        self.gpu = gpu
        self.server: ForkServer | None = None

    def get(self) -> ForkServer:
        if self.server is None:
            self.server = ForkServer.start(gpu=self.gpu)
        return self.server

    def close(self) -> None:
        """Stop the current server, if any; the next `get` starts a fresh one."""
        if self.server is not None:
            self.server.close()
            self.server = None


def grade_with_restarts(
    submission: Submission,
    lab: Lab,
    options: GradingOptions,
    warm: WarmServer,
    attempts_made: int = 0,
) -> SubmissionResult:
    """Grade one submission, starting a fresh fork server and grading it again if its dies.

    A dead fork server is the grader's failure, never the student's: the submission is
    graded again until it has had MAX_ATTEMPTS gradings (`attempts_made` of them before
    this call), then recorded as a grader failure.
    """
    failure = "no attempt was left"
    for attempt in range(attempts_made + 1, MAX_ATTEMPTS + 1):
        try:
            return grade_submission(submission, lab, options, warm.get())
        except ForkServerDied as error:  # killed by the kernel, say: start anew
            warm.close()
            failure = str(error)
            log.warning("%s, attempt %d: %s", submission.source, attempt, error)
    return grader_failure(submission, lab, failure)


class _Worker:
    """The warm fork server of the current worker process.

    Module-level by necessity: a process pool hands work to plain functions.
    """

    warm: WarmServer | None = None


def _init_worker(gpu: bool, client: int) -> None:
    _exit_with(client)
    _Worker.warm = WarmServer(gpu)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _exit_with(client: int) -> None:
    """Have the kernel kill this worker when its client dies (killed, say, by the OOM
    killer). Otherwise the worker would wait for work forever, keeping its fork server."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != client:  # the client died before the line above: go now
        os._exit(1)


def _grade_in_worker(
    submission: Submission, lab_name: str, options: GradingOptions, attempts_made: int
) -> SubmissionResult:
    assert _Worker.warm is not None, "the pool's initializer sets it"
    return grade_with_restarts(submission, get_lab(lab_name), options, _Worker.warm, attempts_made)


def default_workers() -> int:
    return len(os.sched_getaffinity(0))


def grade_batch(
    submissions: list[Submission], lab: Lab, options: GradingOptions, workers: int
) -> Iterator[tuple[Submission, SubmissionResult]]:
    """Yield (submission, result) as each finishes; every submission yields exactly once."""
    if not submissions:
        return
    if workers <= 1:
        yield from _grade_in_this_process(submissions, lab, options)
    else:
        yield from _grade_in_pool(submissions, lab, options, workers)


def _grade_in_this_process(
    submissions: list[Submission], lab: Lab, options: GradingOptions
) -> Iterator[tuple[Submission, SubmissionResult]]:
    warm = WarmServer(options.gpu)
    try:
        for submission in submissions:
            yield submission, grade_with_restarts(submission, lab, options, warm)
    finally:
        warm.close()


def _grade_in_pool(
    submissions: list[Submission], lab: Lab, options: GradingOptions, workers: int
) -> Iterator[tuple[Submission, SubmissionResult]]:
    context = get_context("spawn")  # workers start clean: no inherited threads or TensorFlow
    attempts = {id(submission): 0 for submission in submissions}  # cut short by a dead worker
    queue = deque(submissions)
    while queue:
        with ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(options.gpu, os.getpid()),
        ) as pool:
            pending: dict[Future, Submission] = {}
            retry: list[Submission] = []
            _hand_out(pool, queue, pending, lab, options, attempts, TASKS_PER_WORKER * workers)
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    submission = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        # A worker died (killed by the kernel, say): every submission it
                        # took down gets one more try in a fresh pool.
                        attempts[id(submission)] += 1
                        if attempts[id(submission)] < MAX_ATTEMPTS:
                            retry.append(submission)
                            continue
                        result = grader_failure(submission, lab, "its worker was killed")
                    except Exception as error:  # noqa: BLE001 - never lose the submission
                        result = grader_failure(submission, lab, type(error).__name__)
                    yield submission, result
                if not retry:
                    _hand_out(pool, queue, pending, lab, options, attempts,
                              TASKS_PER_WORKER * workers)  # fmt: skip
            queue.extendleft(reversed(retry))


def _hand_out(pool, queue: deque, pending: dict, lab: Lab, options, attempts, most: int) -> None:
    """Give the pool submissions until `most` are in it. Only a few per worker at a time:
    each queued call holds its submission and then its result until taken, so a class of
    any size keeps the same few in memory."""
    while queue and len(pending) < most:
        submission = queue.popleft()
        try:
            future = pool.submit(
                _grade_in_worker, submission, lab.reference, options, attempts[id(submission)]
            )
        except BrokenProcessPool:  # a worker died before any of its futures said so
            queue.appendleft(submission)
            return
        pending[future] = submission
