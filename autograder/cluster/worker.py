"""What runs on each Dask worker: one warm fork server per worker process, and the task that
grades one submission with it, exactly as a local worker process does.

The task runs in the worker process, a grader process: it runs the hidden checks, and its
result travels back to the client by Dask's pickle. Nothing from a student's process ever
does; that process is a sandboxed child forked by the warm server, as on the local path.
"""

import asyncio
import threading
from dataclasses import dataclass

from distributed import WorkerPlugin, get_client, get_worker

from autograder.batch import MAX_ATTEMPTS, WarmServer, grade_with_restarts
from autograder.cluster.lab_copy import LabCopies
from autograder.grade import GradingOptions, grader_failure
from autograder.results import SubmissionResult
from autograder.submission import Submission
from autograder.versions import grading_stack

PLUGIN_NAME = "tf-autograder"
ATTEMPTS = "tf-autograder-attempts"  # scheduler metadata: starts per task, kept across deaths


class StackMismatch(RuntimeError):
    """This worker grades with other versions than the client: its grades would differ."""


@dataclass(frozen=True)
class Job:
    """What every task of one batch shares: a task of its own, fetched once by each worker."""

    run: str  # names this batch's tasks and its attempt counts
    lab_reference: str
    lab_version: str
    lab_archive: bytes  # lab_copy.pack_lab
    options: GradingOptions
    stack: dict[str, str]  # versions.grading_stack() on the client


class WarmServerPlugin(WorkerPlugin):
    """Starts the worker's fork server when the worker starts, and stops it with the worker.

    Idempotent: a worker keeps the first one registered, so later batches on the same
    cluster find a warm server. One submission at a time per worker process: the fork
    server's socket and the pytest session of the checks are not shared between threads,
    so start workers with `--nthreads 1` and as many worker processes as cores.
    """

    idempotent = True

    def __init__(self, gpu: bool = False):
        self.gpu = gpu
        self.servers: dict[bool, WarmServer] = {}
        self.labs = LabCopies()
        self.lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {"gpu": self.gpu}  # sent to workers before anything has started

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["gpu"])

    async def setup(self, worker) -> None:
        _stop_profiling(worker)
        # The TensorFlow import takes seconds: off the worker's event loop
        await asyncio.get_running_loop().run_in_executor(None, self._start)

    def _start(self) -> None:
        with self.lock:
            self.server(self.gpu).get()

    def server(self, gpu: bool) -> WarmServer:
        """The warm server for this GPU setting; the other one starts only when asked for."""
        return self.servers.setdefault(gpu, WarmServer(gpu))

    def teardown(self, worker) -> None:
        with self.lock:
            for warm in self.servers.values():
                warm.close()
            self.labs.close()

    @classmethod
    def of(cls, worker) -> "WarmServerPlugin":
        plugin = worker.plugins.get(PLUGIN_NAME)
        if not isinstance(plugin, cls):  # registered by the client before any task, normally
            _stop_profiling(worker)
            plugin = worker.plugins[PLUGIN_NAME] = cls()
        return plugin


def _stop_profiling(worker) -> None:
    """Turn off Dask's statistical profiler on this worker. It keeps a call tree of every
    second's stacks for an hour, and the grader's stacks (TensorFlow, pytest) are deep and
    many: measured, it grew each worker by about 55 MB in 12 minutes of grading, with no
    end in sight before the hour. The dashboard loses its profile page, nothing else."""
    for name in ("profile", "profile-cycle"):
        callback = worker.periodic_callbacks.pop(name, None)
        if callback is not None:
            callback.stop()
    worker.profile_history.clear()
    worker.profile_keys_history.clear()


def grade_on_worker(submission: Submission, job: Job) -> SubmissionResult:
    """The Dask task: grade one submission on this worker, with its warm server."""
    stack = grading_stack()
    if stack != job.stack:
        raise StackMismatch(describe_mismatch(job.stack, {get_worker().address: stack}))
    worker = get_worker()
    plugin = WarmServerPlugin.of(worker)
    lab = plugin.labs.get(job.lab_reference, job.lab_version, job.lab_archive)
    earlier = _count_start(job.run, str(worker.get_current_task())) - 1
    if earlier >= MAX_ATTEMPTS:  # the workers that had it died each time
        return grader_failure(submission, lab, f"its worker died {earlier} times grading it")
    with plugin.lock:
        return grade_with_restarts(
            submission, lab, job.options, plugin.server(job.options.gpu), earlier
        )


def _count_start(run: str, key: str) -> int:
    """How many times this task has started, this time included, on any worker. Kept on the
    scheduler, so a worker's death does not reset it."""
    client = get_client()
    path = [ATTEMPTS, run, key]
    starts = int(client.get_metadata(path, 0)) + 1
    client.set_metadata(path, starts)
    return starts


def describe_mismatch(expected: dict[str, str], found: dict[str, dict[str, str]]) -> str:
    """Each worker that differs from the client, and in what; empty when all agree."""
    lines = []
    for address, stack in sorted(found.items()):
        differences = [
            f"{name} {stack.get(name, 'unknown')} (client: {version})"
            for name, version in expected.items()
            if stack.get(name) != version
        ]
        if differences:
            lines.append(f"worker {address} has {', '.join(differences)}")
    return "; ".join(lines)
