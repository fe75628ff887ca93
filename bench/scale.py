"""A MOOC's class in one batch: 10,000 submissions, every one graded and recorded once, with
the grading client's memory measured against the class's size.

Usage (from the repository root):

    .venv/bin/python -m bench.scale [--count N] [--tf-intro K] [--sizes A,B,C]
        [--mode local|dask|both] [--kill-at ROWS] [--skip-class] [--skip-pipeline] [--json PATH]

Two kinds of run, each in each mode (`local`: `autograder grade DIR --workers 2`; `dask`: a
`dask scheduler` and two `dask worker --nthreads 1` started from the venv as
`bench.cluster` starts them, the start timed apart):

pipeline, at each size of --sizes (default 1000,5000,10000)
    inputs that never reach a sandbox: copies of the small files of `bench.hostile.bad_inputs`
    (not JSON, truncated, binary, nbformat 3, no cells, ...), each with bytes of its own. Each
    still goes the whole way: intake hashes it, a worker process reads it again and finds it
    can't be graded, the client commits its row and its result file. So the wall time per
    submission is the pipeline's own cost, and the client's peak memory at three sizes shows
    what each submission costs it.
client killed and rerun, on the largest pipeline folder
    the same command, SIGKILLed alone (not its process group, as the OOM killer would) once
    --kill-at rows (default 5,000) are in the gradebook, then run again: nothing of the
    killed client may still run a minute later, the rerun must grade exactly the inputs
    with no row, and then every input has one result file and one row.
class, of --count inputs (default 10,000)
    mostly notebooks of a fast lab: the lab `autograder new-lab` writes (one question,
    `scale(x, factor)`), answered as different students would (`x * factor`,
    `tf.multiply`, `np.multiply`, a lambda, a mistake worth 1 of 2, an untouched stub);
    K (default 200) notebooks of the tf_intro corpus, each running its own TensorFlow
    training; the hostile notebooks of `bench.hostile` (endless loops, memory and fork bombs,
    reading the hidden checks, a connection out, ...); and 2% broken files, the huge ones
    included. All are graded against the fast lab (`--lab`), as one batch must be: a
    tf_intro or hostile notebook has no `scale` and scores 0 there, after running all of its
    cells in the sandbox. The checks of `bench.soak` are made: exactly one result file and
    one gradebook row per input, each scored as expected, no grader failure, no attack out.
    Then, on its gradebook of N rows, `bench.pages` times `autograder report`, the review
    page's class view and a student's page, and `autograder export csv`.

Printed per run: wall seconds and seconds per submission, gradebook rows per second over the
run, the client's peak RSS (and its RSS when the first result came, after intake), each
worker's peak, the CPU other processes used meanwhile. Also measured once: how many rows a
second the gradebook itself can commit (`Gradebook.record` of N results, one transaction each,
`synchronous=FULL` as in every run).

Expect about 30 minutes per mode for the 10,000-input class on the project's 2-core machine,
and a few minutes for the pipeline runs.
"""

import argparse
import contextlib
import json
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import psutil

from autograder.gradebook import Gradebook
from autograder.lab import get_lab
from autograder.results import SubmissionResult
from autograder.submission import Submission
from bench.cluster import AUTOGRADER, ROOT, WORKERS, GradeRun, grade, running_cluster
from bench.common import (
    alive,
    exit_on_sigterm,
    finish,
    interruptible,
    step,
    stop_leftovers,
    warm_up,
)
from bench.hostile import Listener, bad_inputs
from bench.pages import measure
from bench.pages import report as report_pages
from bench.soak import LARGE, VICTIM, Input, Item, all_items, build, check

SAMPLE_SECONDS = 1.0
PSS_SECONDS = 10.0
PROGRESS_SECONDS = 120.0
MIB = 1 << 20
LIMITS = ["--cell-timeout", "10", "--probe-timeout", "30", "--timeout", "300"]
BROKEN_SHARE = 0.02
FAST_LAB = "fast_lab"

# (file name, the body of scale, its score out of 2): as students answer the new-lab question
FAST_ANSWERS = [
    ("product.ipynb", "return x * factor", 2.0),
    ("tf_multiply.ipynb", "return tf.multiply(tf.cast(x, tf.float32), factor)", 2.0),
    ("np_multiply.ipynb", "return np.multiply(x, factor)", 2.0),
    ("reversed.ipynb", "result = factor * x\n    return result", 2.0),
    ("added.ipynb", "return x + factor", 1.0),
    ("untouched.ipynb", "...", 0.0),
]


def fast_notebook(body: str) -> bytes:
    cells = [
        "import numpy as np\nimport tensorflow as tf",
        f"def scale(x, factor):\n    {body}",
        "print(scale(2.0, 3.0))",
    ]
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
            for source in cells
        ],  # fmt: skip
    }
    return json.dumps(notebook, indent=1).encode()


def class_groups(victim_folder: Path, port: int) -> dict[str, list[Item]]:
    """The groups of the class run, each item with the score it earns under the fast lab."""
    corpus = all_items(victim_folder, port)
    tf_intro = [i for group in ("valid", "mistake", "game", "untouched") for i in corpus[group]]
    fast = [Item("fast", name, fast_notebook(body), score) for name, body, score in FAST_ANSWERS]
    return {
        "fast": fast,
        "tf_intro": _under_fast_lab("tf_intro", tf_intro),
        "hostile": _under_fast_lab("hostile", corpus["hostile"]),
        "broken": corpus["broken"],
    }


def _under_fast_lab(group: str, items: list[Item]) -> list[Item]:
    """No `scale` in them: 0 under the fast lab, whatever they earn under their own."""
    return [Item(group, item.name, item.data, 0.0) for item in items]


def class_mix(count: int, tf_intro: int, groups: dict[str, list[Item]]) -> dict[str, float]:
    fixed = {"tf_intro": tf_intro, "hostile": len(groups["hostile"])}
    fixed["broken"] = round(BROKEN_SHARE * count)
    mix = {group: n / count for group, n in fixed.items()}
    return {"fast": 1 - sum(mix.values()), **mix}


def pipeline_groups() -> dict[str, list[Item]]:
    """Files no worker can grade, small enough that reading them costs nothing."""
    return {"broken": [Item("broken", name, data, 0.0)
                       for name, (data, _) in sorted(bad_inputs().items())
                       if len(data) < LARGE]}  # fmt: skip


# -- measuring ----------------------------------------------------------------------------------


def client_memory(run: GradeRun) -> tuple[float, float | None]:
    """The client's peak RSS, and its RSS at the first result (intake done), in MiB."""
    series = next(s for s in run.sampler.series.values() if s.label == "client")
    at_first = None
    if run.first_result is not None:
        after = [s for s in series.samples if s[0] >= run.first_result]
        at_first = after[0][1] / MIB if after else None
    return series.peak(1), at_first


def worker_peaks(run: GradeRun) -> list[float]:
    return [s.peak(1) for s in run.sampler.series.values() if s.label.startswith("worker")]


def rows_per_second(out: Path, run: GradeRun) -> float:
    """Rows committed a second, from the first result file to the command's end (before
    it: intake, and the workers' start)."""
    with contextlib.closing(sqlite3.connect(out / "gradebook.sqlite")) as db:
        (rows,) = db.execute("SELECT COUNT(*) FROM submissions").fetchone()
    return rows / (run.seconds - (run.first_result or 0.0))


def gradebook_commit_rate(folder: Path, rows: int) -> float:
    """Rows a second `Gradebook.record` commits, each in its own transaction (fsync'd)."""
    lab = get_lab("tf_intro")
    result = SubmissionResult.from_json(
        {"score": 7.0, "output": "", "tests": [
            {"name": f"check {k}", "score": 1.0, "max_score": 1.0, "status": "passed",
             "output": "", "tags": ["train_step"]} for k in range(10)]}
    )  # fmt: skip
    book = Gradebook.open(folder / "commit-rate.sqlite")
    try:
        run = book.start_run(lab, "bench", "bench.scale")
        started = time.monotonic()
        for k in range(rows):
            submission = Submission(folder / f"s{k}.ipynb", f"s{k}", None, f"sha-{k}")
            book.record(run, "bench", submission, result, "")
        seconds = time.monotonic() - started
        book.finish_run(run)
    finally:
        book.close()
    return rows / seconds


# -- one run ------------------------------------------------------------------------------------


def run_mode(mode: str, folder: Path, out: Path, work: Path, seen: dict, options: list[str]):
    """(GradeRun, the cluster's start seconds or None)."""
    log = work / f"grade-{out.name}.log"
    if mode == "local":
        engine = ["--workers", str(WORKERS)]
        run = grade(folder, out, engine, log, SAMPLE_SECONDS, seen, options=options,
                    progress=PROGRESS_SECONDS, pss_every=PSS_SECONDS)  # fmt: skip
        return run, None
    with running_cluster(WORKERS, work) as cluster:
        step(f"cluster at {cluster.address} up in {cluster.start_seconds:.1f} s")
        run = grade(folder, out, ["--dask", cluster.address], log, SAMPLE_SECONDS, seen,
                    cluster, options, progress=PROGRESS_SECONDS,
                    pss_every=PSS_SECONDS)  # fmt: skip
    run.left_running += stop_leftovers(list(seen.values()))
    return run, cluster.start_seconds


def describe(label: str, n: int, run: GradeRun, cluster_start: float | None) -> dict:
    peak, after_intake = client_memory(run)
    figures = {
        "run": label,
        "inputs": n,
        "returncode": run.returncode,
        "seconds": round(run.seconds, 1),
        "per_submission_ms": round(1000 * run.seconds / n, 1),
        "rows_per_second": round(rows_per_second(run.out, run), 1),
        "client_peak_mib": round(peak, 1),
        "client_after_intake_mib": None if after_intake is None else round(after_intake, 1),
        "worker_peaks_mib": [round(value) for value in worker_peaks(run)],
        "first_result_seconds": run.first_result,
        "cluster_start_seconds": cluster_start,
        "foreign_cpu_seconds": round(run.sampler.foreign_cpu_seconds, 1),
        "left_running": run.left_running,
    }
    after = "-" if after_intake is None else f"{after_intake:.0f}"
    print(f"{label}: {n} inputs, exit {run.returncode}, {run.seconds:.1f} s wall,"
          f" {figures['per_submission_ms']} ms per submission, {figures['rows_per_second']}"
          f" rows/s; client RSS peak {peak:.0f} MiB ({after} MiB after intake); workers' peaks"
          f" {figures['worker_peaks_mib']} MiB; other processes' CPU"
          f" {figures['foreign_cpu_seconds']} s")  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs of the class run")
    parser.add_argument("--tf-intro", type=int, default=200, help="tf_intro notebooks in it")
    parser.add_argument("--sizes", default="1000,5000,10000", help="pipeline runs' sizes")
    parser.add_argument("--mode", choices=("local", "dask", "both"), default="both")
    parser.add_argument("--skip-class", action="store_true", help="the pipeline runs only")
    parser.add_argument("--skip-pipeline", action="store_true", help="the class run only")
    parser.add_argument(
        "--kill-at",
        type=int,
        default=5000,
        help="rows at which the largest pipeline run's client is killed (0: no kill)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    exit_on_sigterm()
    modes = ("local", "dask") if args.mode == "both" else (args.mode,)
    sizes = [] if args.skip_pipeline else [int(size) for size in args.sizes.split(",")]
    figures: list[dict] = []
    failed = False
    listener = Listener(socket.AF_INET, ("127.0.0.1", 0))  # hostile code tries to reach it
    seen: dict = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            work = Path(tmp)
            step("warm-up import of TensorFlow")
            warm_up()
            rate = gradebook_commit_rate(work, 2000)
            print(f"gradebook commits: {rate:.0f} rows/s (Gradebook.record, 2,000 rows)")
            figures.append({"run": "gradebook commit rate", "rows_per_second": round(rate)})
            victim_folder = work / "victim"
            victim_folder.mkdir()
            victim = (victim_folder / VICTIM, b'{"score": 10.0}\n')
            victim[0].write_bytes(victim[1])  # what `overwrite_results` aims at
            for size in sizes:
                folder = work / f"pipeline-{size}"
                folder.mkdir()
                inputs = build(folder, size, pipeline_groups(), {"broken": 1.0})
                largest_inputs = inputs
                for mode in modes:
                    step(f"pipeline, {mode}: {size} inputs")
                    out = work / f"out-pipeline-{size}-{mode}"
                    run, start = run_mode(mode, folder, out, work, seen, LIMITS)
                    failed |= not checked(run, inputs, listener, victim)
                    figures.append(describe(f"pipeline {mode}", size, run, start))
            if sizes and 0 < args.kill_at < max(sizes):
                folder, inputs = work / f"pipeline-{max(sizes)}", largest_inputs
                for mode in modes:
                    step(f"pipeline, {mode}: the client killed at {args.kill_at} rows, then rerun")
                    passed, described = killed_and_resumed(
                        mode, folder, inputs, args.kill_at, work, seen, listener, victim
                    )
                    failed |= not passed
                    figures.append(described)
            if not args.skip_class:
                failed |= class_run(args, modes, work, listener, victim, seen, figures)
    finally:
        listener.close()
        stop_leftovers(list(seen.values()))
    finish(failed, f"scale, {', '.join(modes)}", figures, args.json)


def killed_and_resumed(
    mode: str,
    folder: Path,
    inputs: list[Input],
    kill_at: int,
    work: Path,
    seen: dict,
    listener: Listener,
    victim,
) -> tuple[bool, dict]:
    """The instructor's command SIGKILLed alone once `kill_at` rows are committed, as the
    OOM killer would; then the same command again. Checked: nothing below the killed client
    still runs a minute later, the rerun grades exactly the inputs with no row, and then
    every input has one result file and one row (`bench.soak`'s checks)."""
    out = work / f"out-killed-{mode}"
    with contextlib.ExitStack() as stack:
        if mode == "local":
            engine = ["--workers", str(WORKERS)]
        else:
            cluster = stack.enter_context(running_cluster(WORKERS, work))
            engine = ["--dask", cluster.address]
        command = [str(AUTOGRADER), "grade", str(folder), "--out", str(out), *engine, *LIMITS]
        started = time.monotonic()
        client = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=ROOT,
        )
        while (committed := _rows(out)) < kill_at and client.poll() is None:
            time.sleep(0.05)
        below = psutil.Process(client.pid).children(recursive=True)
        seen.update((p.pid, p) for p in below)
        client.send_signal(signal.SIGKILL)
        client.wait()
        killed_after = time.monotonic() - started
        recorded = _rows(out)
        _, still = psutil.wait_procs(below, timeout=60)
        left_running = sum(alive(p) for p in still)
        started = time.monotonic()
        again = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, cwd=ROOT)  # fmt: skip
        rerun_seconds = time.monotonic() - started
    said = " ".join((again.stdout + again.stderr).split())
    planned = re.search(r"(\d+) to grade with .*?, (\d+) already in the gradebook", said)
    graded_again, reused = (int(n) for n in planned.groups()) if planned else (-1, -1)
    added = _rows(out) - recorded
    checks = [
        (committed >= kill_at and recorded < len(inputs),
         f"killed mid-run: {recorded} of {len(inputs)} rows at the kill"),
        (left_running == 0, f"{left_running} processes of the killed client still running"
                            " a minute later"),
        (again.returncode == 0, f"the rerun exited with {again.returncode}"),
        # Files with the bytes of one recorded before the kill (the empty ones) are not
        # graded again: they get its verdict, in a row of their own.
        (0 <= graded_again <= len(inputs) - recorded and graded_again + reused == len(inputs),
         f"the rerun graded {graded_again} and reused {reused} verdicts"),
        (added == len(inputs) - recorded, f"the rerun added {added} rows"),
        *check(out, inputs, listener, victim),
    ]  # fmt: skip
    for passed, line in checks:
        print(f"{'PASS' if passed else 'FAIL'} {line}")
    print(
        f"killed {mode}: {recorded} rows at the kill, {killed_after:.1f} s in; the rerun"
        f" added the other {added} rows ({graded_again} graded) in {rerun_seconds:.1f} s"
    )
    return all(passed for passed, _ in checks), {
        "run": f"pipeline {mode}, client killed and rerun",
        "inputs": len(inputs),
        "rows_at_kill": recorded,
        "killed_after_seconds": round(killed_after, 1),
        "left_running": left_running,
        "rerun_graded": graded_again,
        "rerun_seconds": round(rerun_seconds, 1),
        "checks_passed": all(passed for passed, _ in checks),
    }


def _rows(out: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(out / "gradebook.sqlite")) as db:
            return db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def checked(run: GradeRun, inputs: list[Input], listener: Listener, victim) -> bool:
    """`bench.soak`'s checks of one run, printed; True if all passed."""
    checks = check(run.out, inputs, listener, victim)
    checks.insert(0, (run.returncode == 0, f"grade exited with {run.returncode}"))
    for passed, line in checks:
        print(f"{'PASS' if passed else 'FAIL'} {line}")
    return all(passed for passed, _ in checks)


def class_run(args, modes, work: Path, listener: Listener, victim, seen, figures) -> bool:
    """The class of --count inputs in each mode, checked; True if anything failed."""
    folder, lab = work / "class", work / FAST_LAB
    folder.mkdir()
    subprocess.run([str(AUTOGRADER), "new-lab", str(lab), "--name", FAST_LAB], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    groups = class_groups(victim[0].parent, listener.address[1])
    inputs: list[Input] = build(folder, args.count, groups, class_mix(args.count, args.tf_intro,
                                                                      groups))  # fmt: skip
    counts = {group: sum(i.item.group == group for i in inputs) for group in groups}
    print(f"class of {len(inputs)}: " + ", ".join(f"{g} {n}" for g, n in counts.items()))
    failed = False
    for mode in modes:
        victim[0].write_bytes(victim[1])
        step(f"class, {mode}: {len(inputs)} inputs")
        out = work / f"out-class-{mode}"
        run, start = run_mode(mode, folder, out, work, seen, [*LIMITS, "--lab", str(lab)])
        passed = checked(run, inputs, listener, victim)
        failed |= not passed
        described = describe(f"class {mode}", len(inputs), run, start)
        described["checks_passed"] = passed
        gradebook = out / "gradebook.sqlite"
        pages = measure(gradebook, repeat=3)  # report, review pages, export csv
        report_pages(pages, gradebook)
        described["pages"] = {label: {"seconds": round(seconds, 2), "bytes": size}
                              for label, (seconds, size) in pages.items()}  # fmt: skip
        figures.append(described)
    return failed


if __name__ == "__main__":
    interruptible(main)
