"""What grading on a Dask cluster costs, next to grading on this machine, in one run.

Usage (from the repository root):

    .venv/bin/python -m bench.cluster [--submissions N] [--repeat R] [--json PATH]

The set: N (default 24) notebooks of the tf_intro corpus (`tests/corpus/notebooks/`), the
round robin over valid / mistake / game / untouched of `bench.common.sample` (each kind in name
order, `valid_endless_scratch_cell` left out: it would measure the cell time limit), copied
into a temporary folder. Both ways grade exactly this set:

local
    `autograder grade DIR --out OUT --workers 2 --force`: a pool of 2 worker processes,
    each with its warm fork server, children of the `autograder` process.
dask
    `autograder grade DIR --out OUT --dask tcp://127.0.0.1:PORT --force`, against a cluster
    this script starts from the venv before any grading, as an instructor's is already
    running: `dask scheduler --host 127.0.0.1 --port PORT --no-dashboard` and two
    `dask worker tcp://127.0.0.1:PORT --nthreads 1 --nworkers 1 --no-dashboard
    --memory-limit 0`. Each `dask worker` is a nanny process that starts the worker process;
    the grader starts one fork server in each worker process when the client connects.

Each grade command is timed from outside (wall clock from its start to its exit, CLI
start-up and fork-server start-up included), with a fresh OUT. Printed for each run: wall
seconds, seconds per submission, and seconds from the command's start to its first result
file (start-up: imports, the pool or the connection to the cluster, the fork servers
importing TensorFlow, the first submission). Also printed: the seconds from starting the
scheduler to both workers being registered (`cluster start`), not part of any run.

With --repeat R, each way runs R times, alternating which goes first (local first in odd
repetitions). The cluster keeps running between repetitions, so only its first run starts
the fork servers; the later ones find them warm, as an instructor's second batch would.
The verdict line compares the total wall time of the dask runs with that of the local runs
against the target "the cluster adds at most 10%". Timings on the project's 2-core machine
vary by about 20% from one run to the next: compare ratios from the same run.

Memory: while each command runs, a thread reads every 0.2 s the resident set size (RSS) of
the `autograder` process (the client), of each worker process (local: the pool's processes,
children of the client; dask: the worker process each nanny starts) and of each worker's
tree (the worker, its fork server and the student processes forked from it). In dask runs
it also reads the RSS of each nanny and of the scheduler, listed apart. A forked student
process counts the pages it still shares copy-on-write with its fork server, so the tree's
RSS counts them twice; the tree's PSS (proportional set size, /proc/PID/smaps_rollup)
shares each page among the processes mapping it, and is the fair sum. PSS is read every
2 s only: it costs about 7 ms per process that has imported TensorFlow. Peaks are of the
samples, in MiB (a peak shorter than the interval can be missed).

CPU: the sampling thread also adds up the CPU time that processes outside the cluster,
the grade command and this script used during each run (other users of the machine: they
slow the run down), and the script prints its own CPU time, mostly the sampling's.

Verdicts: each run's per-submission scores (the "score" of every OUT/<name>.json) are
compared with the first local run's: "verdicts identical: yes" when all agree.

Every process this script starts, and every process seen below them, is stopped at the end,
after an error or Ctrl-C too; the last line says whether any was left to stop.
"""

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.common import (
    BIN,
    CORPUS,
    ROOT,
    ForeignCpu,
    Sampler,
    alive,
    children_of,
    command_line,
    exit_on_sigterm,
    interruptible,
    process_table,
    pss_bytes,
    rss_bytes,
    sample,
    step,
    stop_leftovers,
    tree,
    warm_up,
)

AUTOGRADER = BIN / "autograder"
DASK = BIN / "dask"
WORKERS = 2
SAMPLE_SECONDS = 0.2
PSS_SECONDS = 2.0  # reading a process's PSS costs milliseconds: less often
WORKERS_UP_SECONDS = 120
TARGET = 1.10  # the cluster adds at most 10%
MIB = 1 << 20

# -- the cluster ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DaskCluster:
    """A `dask scheduler` and `dask worker`s on 127.0.0.1, each in a process group of its own."""

    def __init__(self, workers: int, log_dir: Path):
        self.count = workers
        self.log_dir = log_dir
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler: subprocess.Popen | None = None
        self.nannies: list[subprocess.Popen] = []
        self.start_seconds = 0.0

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        with open(self.log_dir / f"{name}.log", "wb") as log:
            return subprocess.Popen(
                [str(DASK), *args, "--no-dashboard"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C is ours to handle; stopped by group
                cwd=ROOT,
            )

    def start(self) -> None:
        from distributed import Client  # imported before the clock starts

        started = time.monotonic()
        self.scheduler = self._start(
            "scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(self.port)
        )
        for index in range(1, self.count + 1):
            name = f"worker-{index}"
            options = ["--nthreads", "1", "--nworkers", "1", "--memory-limit", "0", "--name", name]
            scratch = ["--local-directory", str(self.log_dir / "dask-scratch")]
            self.nannies.append(self._start(name, "worker", self.address, *options, *scratch))
        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(self.count, timeout=WORKERS_UP_SECONDS)
        self.start_seconds = time.monotonic() - started

    def processes(self) -> list[subprocess.Popen]:
        return [p for p in [self.scheduler, *self.nannies] if p is not None]

    def stop(self) -> None:
        for process in reversed(self.processes()):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextlib.contextmanager
def running_cluster(workers: int, log_dir: Path) -> Iterator[DaskCluster]:
    cluster = DaskCluster(workers, log_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


# -- memory -----------------------------------------------------------------------------------


def _is_worker(pid: int) -> bool:
    """A worker process: the pool's (local) or the nanny's (dask); both are spawned."""
    return "multiprocessing.spawn" in command_line(pid)


def _process(pid: int) -> psutil.Process | None:
    """The process, to stop it later by pid safely (psutil checks it is still the same)."""
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid)
    return None


@dataclass
class Series:
    """One process's samples: (seconds since the start, RSS, tree RSS, tree PSS) in bytes;
    tree PSS is None in the samples that did not read it."""

    label: str
    pid: int
    parent: int
    samples: list[tuple[float, int, int, int | None]] = field(default_factory=list)

    def peak(self, column: int) -> float:
        return max((s[column] for s in self.samples if s[column] is not None), default=0) / MIB

    def median_mib(self, first: float, last: float, column: int = 1) -> float | None:
        """Median of the samples taken between `first` and `last` seconds, in MiB."""
        values = [s[column] for s in self.samples if first <= s[0] <= last]
        values = [value for value in values if value is not None]
        return statistics.median(values) / MIB if values else None


class MemorySampler(Sampler):
    """Every `interval` s: the RSS of the client, of each worker and its tree, of the nannies
    and of the scheduler; the CPU time used meanwhile by processes outside all of these and
    outside this script; when the first result file appears in `out`. Remembers every
    process seen below the client and the nannies, so that what is left can be stopped."""

    def __init__(
        self,
        client: int,
        interval: float,
        out: Path,
        nannies: list[int] = (),
        scheduler: int | None = None,
        seen: dict[int, psutil.Process] | None = None,
        progress: float | None = None,
        pss_every: float = PSS_SECONDS,
        ignore: list[int] = (),
    ):
        super().__init__(interval)
        self.ignore = list(ignore)  # processes of ours, not measured in this run: not foreign
        self.pss_every, self._pss_read, self._read_pss = pss_every, -pss_every, False
        self.progress, self._reported = progress, 0.0
        self.client, self.nannies, self.scheduler = client, list(nannies), scheduler
        self.out = out
        self.started = time.monotonic()
        self.series: dict[int, Series] = {}
        self.seen: dict[int, psutil.Process] = {} if seen is None else seen
        self.below_client: dict[int, psutil.Process] = {}  # seen below the client
        self.first_result: float | None = None
        self.cpu = ForeignCpu(process_table())
        self._workers = 0

    @property
    def foreign_cpu_seconds(self) -> float:
        return self.cpu.seconds

    def sample(self) -> None:
        now = time.monotonic() - self.started
        if self.first_result is None and any(self.out.glob("*.json")):
            self.first_result = now
        if self.progress and now - self._reported >= self.progress:
            self._reported = now
            step(f"{sum(1 for _ in self.out.glob('*.json'))} results after {now:.0f} s")
        self._read_pss = now - self._pss_read >= self.pss_every  # 7 ms per TensorFlow process
        if self._read_pss:
            self._pss_read = now
        table = process_table()
        children = children_of(table)

        def spawned(pid: int) -> list[int]:
            return [c for c in children.get(pid, []) if _is_worker(c)]

        measured = {os.getpid(), *([self.scheduler] if self.scheduler else [])}
        for pid in self.ignore:
            measured.update(tree(pid, children) if pid in table else [])
        workers = []
        for pid, label in [(self.client, "client")] + [
            (pid, f"nanny {index}") for index, pid in enumerate(self.nannies, 1)
        ]:
            if pid in table:
                self._record(label, table, [pid], now, whole_tree=False)
                below = tree(pid, children)
                measured.update(below)
                for member in below[1:]:
                    if member not in self.seen and (process := _process(member)):
                        self.seen[member] = process
                    if pid == self.client and member in self.seen:
                        self.below_client.setdefault(member, self.seen[member])
                workers += spawned(pid)
        for worker in workers:
            if worker not in self.series:
                self._workers += 1
                label = f"worker {self._workers}"
            else:
                label = self.series[worker].label
            self._record(label, table, tree(worker, children), now, whole_tree=True)
        if self.scheduler in table:
            self._record("scheduler", table, [self.scheduler], now, whole_tree=False)
        self.cpu.update(table, measured | self.seen.keys())

    def _record(
        self, label: str, table: dict, members: list[int], now: float, whole_tree: bool
    ) -> None:
        """RSS of members[0]; for a tree, also the sums of the members' RSS and PSS."""
        rss = [value for value in map(rss_bytes, members) if value is not None]
        if not rss:
            return
        tree_rss = sum(rss) if whole_tree else 0
        tree_pss = None
        if whole_tree and self._read_pss:
            tree_pss = sum(pss_bytes(pid) for pid in members)
        series = self.series.get(members[0])
        if series is None:
            parent = table[members[0]][0]
            series = self.series[members[0]] = Series(label, members[0], parent)
        series.samples.append((now, rss[0], tree_rss, tree_pss))

    def left_running(self) -> list[psutil.Process]:
        """The processes seen below the client that are still running."""
        return [p for p in self.below_client.values() if alive(p)]


def memory_lines(sampler: MemorySampler) -> list[str]:
    """Peak RSS per process; for workers also their tree's RSS and PSS. MiB."""
    lines = []
    for series in sorted(sampler.series.values(), key=lambda s: (s.label, s.pid)):
        line = f"{series.label} (pid {series.pid}) {series.peak(1):.0f}"
        if series.label.startswith("worker"):
            line += f", tree RSS {series.peak(2):.0f}, tree PSS {series.peak(3):.0f}"
        lines.append(line)
    return lines


def memory_data(sampler: MemorySampler) -> list[dict]:
    return [
        {
            "label": s.label,
            "pid": s.pid,
            "parent": s.parent,
            "peak_rss_mib": s.peak(1),
            "peak_tree_rss_mib": s.peak(2),
            "peak_tree_pss_mib": s.peak(3),
            "samples": len(s.samples),
        }
        for s in sampler.series.values()
    ]


# -- one timed grade command ------------------------------------------------------------------


@dataclass
class GradeRun:
    mode: str
    seconds: float
    returncode: int
    first_result: float | None
    sampler: MemorySampler
    out: Path
    left_running: int = 0  # processes below the command still running after it ended


def grade(
    folder: Path,
    out: Path,
    engine: list[str],
    log: Path,
    interval: float,
    seen: dict[int, psutil.Process],
    cluster: DaskCluster | None = None,
    options: list[str] = (),
    progress: float | None = None,
    pss_every: float = PSS_SECONDS,
    idle: DaskCluster | None = None,
) -> GradeRun:
    """`autograder grade FOLDER --out OUT ENGINE... OPTIONS... --force`, timed from outside
    and sampled. Every process seen below it, or below the cluster's nannies, goes into
    `seen`; with no cluster, those still running 5 s after the command ended are stopped.
    `idle`: a cluster that is running but not grading: its CPU time is not another's."""
    command = [
        str(AUTOGRADER), "grade", str(folder), "--out", str(out), *engine, *options, "--force"
    ]  # fmt: skip
    with open(log, "wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by group if this script is interrupted
            cwd=ROOT,
        )
        sampler = MemorySampler(
            process.pid,
            interval,
            out,
            nannies=[p.pid for p in cluster.nannies] if cluster else [],
            scheduler=cluster.scheduler.pid if cluster and cluster.scheduler else None,
            seen=seen,
            progress=progress,
            pss_every=pss_every,
            ignore=[p.pid for p in idle.processes()] if idle else [],
        )
        sampler.started = started
        sampler.start()
        try:
            returncode = process.wait()
            seconds = time.monotonic() - started
        finally:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            sampler.stop()
        # Student processes live in sessions of their own. A cluster's fork servers stay
        # up between batches: those are stopped with the cluster.
        left = 0 if cluster else stop_leftovers(sampler.left_running())
    mode = "dask" if cluster else "local"
    return GradeRun(mode, seconds, returncode, sampler.first_result, sampler, out, left)


def scores(out: Path) -> dict[str, float]:
    return {path.stem: json.loads(path.read_text())["score"] for path in sorted(out.glob("*.json"))}


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=24, help="how many (default 24)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each way (default 1)")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args()
    exit_on_sigterm()

    picked = sample(CORPUS, args.submissions)
    if len(picked) < args.submissions:
        raise SystemExit(f"--submissions {args.submissions}: the corpus has {len(picked)}")
    runs: list[GradeRun] = []
    seen: dict[int, psutil.Process] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        work = Path(tmp)
        folder = work / "submissions"
        folder.mkdir()
        for path in picked:
            shutil.copy(path, folder / path.name)
        step(f"{len(picked)} submissions in {folder}; warm-up import of TensorFlow")
        warm_up()
        step(f"starting a Dask scheduler and {WORKERS} workers")
        try:
            with running_cluster(WORKERS, work) as cluster:
                step(f"cluster at {cluster.address} up in {cluster.start_seconds:.1f} s")
                for repetition in range(args.repeat):
                    order = ("local", "dask") if repetition % 2 == 0 else ("dask", "local")
                    for mode in order:
                        step(f"run {repetition + 1}: {mode}")
                        out = work / f"out-{mode}-{repetition + 1}"
                        log = work / f"grade-{mode}-{repetition + 1}.log"
                        engine = ["--workers", str(WORKERS)]
                        if mode == "dask":
                            engine = ["--dask", cluster.address]
                        on = cluster if mode == "dask" else None
                        run = grade(
                            folder, out, engine, log, SAMPLE_SECONDS, seen, on,
                            idle=None if on else cluster,
                        )  # fmt: skip
                        if run.returncode != 0:
                            print(log.read_text()[-3000:], file=sys.stderr)
                            raise SystemExit(f"the {mode} run exited with {run.returncode}")
                        runs.append(run)
        finally:
            left = stop_leftovers(list(seen.values()))
        step("done")
        report(picked, cluster, runs, left + sum(run.left_running for run in runs), args.json)


def report(
    picked: list[Path],
    cluster: DaskCluster,
    runs: list[GradeRun],
    leftovers: int,
    json_path: Path | None,
) -> None:
    n = len(picked)
    print(f"{n} submissions: {', '.join(path.stem for path in picked)}")
    print(
        f"cluster start (scheduler + {WORKERS} workers registered): {cluster.start_seconds:.1f} s"
    )
    print("\n| run | way | wall s | s/submission | start to first result s |")
    print("|---|---|---|---|---|")
    count: dict[str, int] = {}
    for run in runs:
        count[run.mode] = count.get(run.mode, 0) + 1
        first = f"{run.first_result:.1f}" if run.first_result is not None else "-"
        warm = " (fork servers warm)" if run.mode == "dask" and count["dask"] > 1 else ""
        print(
            f"| {count[run.mode]} | {run.mode}{warm} | {run.seconds:.1f} | {run.seconds / n:.2f}"
            f" | {first} |"
        )
    total = {mode: sum(r.seconds for r in runs if r.mode == mode) for mode in ("local", "dask")}
    ratio = total["dask"] / total["local"]
    holds = "holds" if ratio <= TARGET else "DOES NOT HOLD"
    print(
        f"\ndask / local wall time: {ratio:.3f} (local {total['local']:.1f} s, dask"
        f" {total['dask']:.1f} s in all)"
    )
    print(f"target the cluster adds at most 10%: {holds}")
    print("\nPeak RSS, MiB (sampled every 0.2 s; tree = worker + fork server + student processes)")
    count = {}
    for run in runs:
        count[run.mode] = count.get(run.mode, 0) + 1
        print(f"  {run.mode} run {count[run.mode]}: " + "; ".join(memory_lines(run.sampler)))
    cores = len(os.sched_getaffinity(0))
    shares = []
    for run in runs:
        foreign = run.sampler.foreign_cpu_seconds
        shares.append(f"{run.mode} {foreign:.1f} s ({100 * foreign / (run.seconds * cores):.1f}%)")
    print("CPU used by other processes meanwhile (share of the machine): " + "; ".join(shares))
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(f"CPU used by this script (mostly sampling): {own.ru_utime + own.ru_stime:.1f} s")
    reference = scores(runs[0].out)
    differing = sorted(
        {name for run in runs for name, score in scores(run.out).items()
         if reference.get(name) != score}
        | {name for run in runs for name in reference if name not in scores(run.out)}
    )  # fmt: skip
    print(f"\nverdicts identical: {'no' if differing else 'yes'}", end="")
    print(f" (differing: {', '.join(differing)})" if differing else f" ({len(reference)} scores)")
    print(f"processes left running (stopped by this script): {leftovers}")
    if json_path:
        data = {
            "names": [path.stem for path in picked],
            "cluster_start_seconds": cluster.start_seconds,
            "runs": [
                {
                    "mode": run.mode,
                    "seconds": run.seconds,
                    "first_result_seconds": run.first_result,
                    "memory": memory_data(run.sampler),
                    "foreign_cpu_seconds": run.sampler.foreign_cpu_seconds,
                    "scores": scores(run.out),
                }
                for run in runs
            ],
            "ratio_dask_local": ratio,
            "target_holds": ratio <= TARGET,
            "verdicts_identical": not differing,
            "left_running": leftovers,
        }
        json_path.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    interruptible(main)
