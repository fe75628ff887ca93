"""The client side of grading on Dask: connect, check the workers, and grade a batch.

The client stays the only writer of the gradebook: `grade_on_cluster` yields each
(submission, result) as it arrives, like `batch.grade_batch`, and the CLI commits it.
"""

import logging
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager, suppress
from pathlib import Path

from autograder.cluster.lab_copy import pack_lab
from autograder.grade import GradingOptions, grader_failure
from autograder.gradebook import lab_version
from autograder.lab import Lab
from autograder.reading import IntakeError, load
from autograder.results import SubmissionResult
from autograder.submission import Submission
from autograder.versions import grading_stack

log = logging.getLogger(__name__)

LOCAL = re.compile(r"local(?::(\d+))?")
CONNECT_SECONDS = 15
WORKER_WAIT_SECONDS = 60
TASKS_PER_THREAD = 2  # submissions queued per worker thread: enough to keep each busy


class ClusterError(Exception):
    """The cluster can't grade this batch; the message says why and what to do."""


@contextmanager
def connect(spec: str, gpu: bool = False, local_workers: int = 1) -> Iterator[object]:
    """A Dask client on the scheduler at `spec` (tcp://host:8786, or the scheduler file a
    `dask scheduler --scheduler-file` wrote, as on Slurm), or on a LocalCluster of N worker
    processes for `local:N`; its workers checked, their warm servers starting."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError(
            "grading on Dask needs Dask distributed: pip install 'tf-autograder[cluster]'"
        ) from None
    # Dask logs each worker's comings and goings at INFO: only with `autograder -v`
    logging.getLogger("distributed").setLevel(logging.getLogger().getEffectiveLevel())
    local = LOCAL.fullmatch(spec)
    cluster = None
    try:
        if local:
            cluster = LocalCluster(
                n_workers=int(local.group(1) or local_workers),
                threads_per_worker=1,  # one grading at a time per worker process
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        elif spec.endswith(".json"):  # the file `dask scheduler --scheduler-file` writes
            if not Path(spec).is_file():
                raise ClusterError(f"no Dask scheduler file at {spec}")
            client = Client(scheduler_file=spec, timeout=CONNECT_SECONDS)
        else:
            client = Client(spec, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        if cluster is not None:
            cluster.close()
        raise ClusterError(
            f"can't reach the Dask scheduler at {spec} ({error}). Start it first (README,"
            " Grading on a cluster), or give its address as tcp://HOST:8786."
        ) from None
    try:
        _check_workers(client, spec)
        from autograder.cluster.worker import PLUGIN_NAME, WarmServerPlugin

        client.register_plugin(WarmServerPlugin(gpu), name=PLUGIN_NAME)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_workers(client, spec: str) -> None:
    """Refuse a cluster whose workers would grade with other versions than this machine."""
    from autograder.cluster.worker import describe_mismatch

    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except TimeoutError:
        raise ClusterError(
            f"the Dask scheduler at {spec} has no workers (waited {WORKER_WAIT_SECONDS} s)"
        ) from None
    try:
        stacks = client.run(grading_stack)
    except Exception as error:  # noqa: BLE001 - a worker without the grader, say
        raise ClusterError(
            f"the workers at {spec} can't run the grader ({type(error).__name__}: {error})."
            " Install this package, with the same constraints.txt, in the workers' environment."
        ) from None
    mismatch = describe_mismatch(grading_stack(), stacks)
    if mismatch:
        raise ClusterError(
            f"refusing to grade: {mismatch}. Every worker must run the client's grader,"
            " TensorFlow, tf-keras, numpy and Python versions, with the same"
            " AUTOGRADER_SECRET (or none), or grades would differ."
        )


def _the_job(job):
    return job


def cluster_threads(client) -> int:
    return sum(client.nthreads().values())


def grade_on_cluster(
    client, submissions: list[Submission], lab: Lab, options: GradingOptions
) -> Iterator[tuple[Submission, SubmissionResult]]:
    """Yield (submission, result) as each finishes; every submission yields exactly once.

    A worker that dies mid-task has its submissions graded again elsewhere (Dask reschedules
    them); one that every worker dies on is recorded as the grader's failure. A bounded
    number of submissions is on the cluster at once, so memory stays flat at any class size.
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    from autograder.cluster.worker import ATTEMPTS, Job, StackMismatch, grade_on_worker

    if not submissions:
        return
    run = uuid.uuid4().hex[:12]
    job = Job(run, lab.reference, lab_version(lab), pack_lab(lab), options, grading_stack())
    # A task, not scattered data: if every worker holding it dies, the scheduler makes it
    # again from the graph. Each worker fetches it once, however many submissions it grades.
    shared = client.submit(_the_job, job, key=f"job-{run}", pure=False)
    waiting = iter(enumerate(submissions))
    on_cluster: dict[object, Submission] = {}
    finished = as_completed()

    unreadable: list[tuple[Submission, SubmissionResult]] = []

    def submit_next() -> None:
        for index, submission in waiting:
            try:  # the bytes are read now and travel with the task: workers share no disk
                loaded = load(submission)
            except IntakeError as error:
                unreadable.append((submission, grader_failure(submission, lab, str(error))))
                continue
            future = client.submit(
                grade_on_worker, loaded, shared, key=f"grade-{run}-{index}", pure=False
            )
            on_cluster[future] = submission  # without its bytes: they are the task's now
            finished.add(future)
            return

    try:
        for _ in range(max(4, TASKS_PER_THREAD * cluster_threads(client))):
            submit_next()
        while unreadable:
            yield unreadable.pop()
        for future in finished:
            submission = on_cluster.pop(future)
            try:
                result = future.result()
            except StackMismatch as error:
                raise ClusterError(f"refusing to grade: {error}") from None
            except KilledWorker:
                result = grader_failure(submission, lab, "every worker that took it died")
            except CancelledError:  # Dask's FutureCancelledError, or older Dask's own
                raise ClusterError(
                    "the Dask cluster dropped this batch (its scheduler stopped?). Every"
                    " result received is in the gradebook: run the same command again."
                ) from None
            except Exception as error:  # noqa: BLE001 - never lose the submission
                result = grader_failure(submission, lab, type(error).__name__)
            future.release()
            yield submission, result
            submit_next()
            while unreadable:
                yield unreadable.pop()
    finally:
        client.cancel(list(on_cluster))
        with suppress(Exception):  # the attempt counts are of no use once the batch is over
            client.set_metadata([ATTEMPTS, run], {})
        shared.release()
