"""One batch of at least 500 submissions: every input comes out exactly once, memory stays flat.

Usage (from the repository root):

    .venv/bin/python -m bench.soak [--count N] [--mode local|dask|both] [--json PATH]
        [--mix GROUP=SHARE,...] [--cell-timeout S] [--probe-timeout S] [--timeout S]

The batch: N inputs (default 500) in one temporary folder, drawn from six groups by the
shares in MIX (`--mix` changes them; broken gets the rest), each group's files taken round
robin in name order, and the groups spread evenly over the batch:

valid, mistake, game, untouched
    the notebooks of the tf_intro corpus (`tests/corpus/notebooks/`), each kind as
    `bench.common.notebooks` takes them (`valid_endless_scratch_cell` left out: it measures
    the cell time limit); untouched is `untouched_student`, the assignment as handed out.
hostile
    the valid solution plus one attacking cell, or an endless train_step, from
    `bench.hostile.hostile_notebooks` (endless loops, memory and fork bombs,
    exits, killing the parent or the neighbours, reading the hidden checks, a connection to
    a port this script listens on, a gigabyte of output, 40 MB of stored outputs, fake
    results). `overwrite_results` aims at a file of this script's, outside the batch.
broken
    the files of `bench.hostile.bad_inputs` that can't be graded: not JSON,
    truncated, binary, empty, zips that are empty, a bomb or have unsafe paths, nbformat 3,
    no cells, a 200 MB notebook, Latin-1, the untouched assignment.

With the default shares, 500 inputs are 30 valid, 25 mistake, 10 game, 10 untouched,
16 hostile (one of each) and 409 broken. That is no class's mix: it is what fits the time.
Each mode has to finish in about 12 minutes on the project's 2-core machine, where a
gradable notebook costs 10 to 15 s of a core (two graded at once), a hostile one as much or
the limit that stops it, and a broken file hundredths of a second. A class of 500 real
submissions would take about 45 minutes per mode. What the soak is for holds at any mix:
500 inputs through one batch, each recorded once, memory over the whole run. Expect about
10 minutes per mode on a quiet machine, more if other processes use the CPU (the report
says how much they did).

Every input gets a file name of its own (`0042_valid_lambda.ipynb`), so it gets a result
file and a gradebook row of its own, and bytes of its own where the file allows it, so
that no two inputs have the same hash: a notebook (or any JSON object) gets its number as
`soak_input` in its metadata (its code, hence its hidden inputs and its score, stay the
same), a zip gets it as its comment, other bytes get it on a line appended. The two
largest files get trailing newlines instead, and are capped (CAPS): the 200 MB notebook
once, the 40 MB one twice. An empty file can only be empty: its copies are the same bytes
under other names (the mix line says how many inputs repeat an earlier one's bytes).

The limits default to those of the hostile batch test, `--cell-timeout 10
--probe-timeout 30`, well above what any cell or probe of the corpus needs, and they bound
the endless loops; `--timeout 300` per submission.

Modes: `local` grades with `autograder grade DIR --out OUT --workers 2 --force`; `dask`
starts a `dask scheduler` and two `dask worker --nthreads 1` from the venv (as
`bench.cluster` does; the start is timed apart), grades with `--dask tcp://...`, and
stops the cluster; `both` (the default) runs local, then dask, on the same inputs, each
into a fresh OUT.

Checks, each printed as a PASS or FAIL line (and a last line, PASS if all passed; the exit
status is 1 if any failed):
- the grade command exited with 0;
- every input has exactly one result file OUT/<name>.json holding a result, and there is
  no other;
- every input has exactly one row in the gradebook's `submissions` table (counted by
  source_path), and no row is for anything else; each row has its input's name;
- each result file's score is its gradebook row's;
- no result is a grader failure;
- every input scored what its label says (corpus: labels.json; hostile: the score its real
  work earns; broken: 0);
- nothing connected to this script's port, and the file `overwrite_results` aims at is
  unchanged.

Memory: every second, the resident set size (RSS) of the `autograder` process (the client),
of each worker process and of each worker's tree (worker, fork server, student processes),
and in dask mode of each nanny and of the scheduler; every 5 s, the tree's PSS
(proportional set size: each shared page split among the processes that map it, the fair
sum; see `bench.cluster`). The tree's RSS counts a shared page once per process: while
`fork_bomb` runs, its hundreds of processes make it tens of GB that are not there. Printed
per process: the peak, and the medians over the first and the last 10% of the run, to show
whether it grows (tenths of the time from the first result on: until then the fork
servers import TensorFlow, which is start-up, not growth). Also printed: wall time,
seconds per submission, the mean grading time per group (the results' execution_time),
the CPU time other processes used meanwhile, and how many processes below the grader
this script found still running and stopped.
"""

import argparse
import contextlib
import hashlib
import io
import json
import os
import socket
import sqlite3
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bench.cluster import WORKERS, GradeRun, grade, running_cluster
from bench.common import (
    CORPUS,
    exit_on_sigterm,
    expected_parts,
    finish,
    interruptible,
    notebooks,
    step,
    stop_leftovers,
    warm_up,
)
from bench.hostile import Listener, bad_inputs, hostile_notebooks

SAMPLE_SECONDS = 1.0
PSS_SECONDS = 5.0
PROGRESS_SECONDS = 60.0
# Shares of the batch per group, broken the rest: see the module docstring
MIX = {"valid": 0.06, "mistake": 0.05, "game": 0.02, "untouched": 0.02, "hostile": 0.032}
CAPS = {"huge_200mb.ipynb": 1, "huge_outputs.ipynb": 2}  # copies at most, per batch
LARGE = 10 << 20  # bytes: larger files (only those in CAPS) get a different variant
VICTIM = "valid_one.json"  # the file `overwrite_results` writes to, in a folder of ours


# -- the inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    group: str
    name: str  # the original file name
    data: bytes
    expected: float  # the score it should get


def corpus_items(group: str, labels: dict[str, dict[str, float]]) -> list[Item]:
    return [
        Item(group, p.name, p.read_bytes(), float(sum(labels[p.stem].values())))
        for p in notebooks(CORPUS, group)
    ]


def all_items(victim_folder: Path, port: int) -> dict[str, list[Item]]:
    labels = expected_parts()
    groups = {group: corpus_items(group, labels) for group in ("valid", "mistake", "game")}
    groups["untouched"] = corpus_items("untouched", labels)
    hostile = hostile_notebooks(victim_folder, port)
    groups["hostile"] = [
        Item("hostile", name, data, score) for name, (data, score) in sorted(hostile.items())
    ]
    groups["broken"] = [
        Item("broken", name, data, 0.0) for name, (data, _) in sorted(bad_inputs().items())
    ]
    return groups


def shares(overrides: str | None) -> dict[str, float]:
    """MIX, with `--mix group=share,...` over it; broken gets what the others leave."""
    mix = dict(MIX)
    for part in (overrides or "").split(","):
        if part.strip():
            group, _, share = part.partition("=")
            if group.strip() not in (*MIX, "broken"):
                raise SystemExit(f"--mix: no group {group.strip()!r}")
            mix[group.strip()] = float(share)
    mix.pop("broken", None)
    mix["broken"] = 1 - sum(mix.values())
    if mix["broken"] < -1e-9:
        raise SystemExit("--mix: the shares add up to more than 1")
    return mix


def counts(total: int, mix: dict[str, float]) -> dict[str, int]:
    """Inputs per group: the shares of `total`, rounded by largest remainder."""
    exact = {group: share * total for group, share in mix.items()}
    whole = {group: int(value) for group, value in exact.items()}
    by_remainder = sorted(exact, key=lambda group: whole[group] - exact[group])
    for group in by_remainder[: total - sum(whole.values())]:
        whole[group] += 1
    return whole


def variant(data: bytes, name: str, number: int, copy: int) -> bytes:
    """The file, changed in bytes that grading ignores so that each input has its own hash."""
    if not data:
        return data  # an empty file can only be empty
    if name.endswith(".zip"):
        buffer = io.BytesIO(data)
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.comment = f"input {number}".encode()
        return buffer.getvalue()
    if len(data) > LARGE:  # JSON allows trailing whitespace; parsing it again would be slow
        return data + b"\n" * (copy + 1)
    try:
        document = json.loads(data)
    except ValueError:  # not UTF-8, not JSON
        document = None
    if isinstance(document, dict):
        metadata = document.get("metadata")
        if not isinstance(metadata, dict):
            metadata = document["metadata"] = {}
        metadata["soak_input"] = number
        return json.dumps(document, indent=1).encode()
    return data + f"\ninput {number}\n".encode()


@dataclass(frozen=True)
class Input:
    path: Path
    item: Item


def build(
    folder: Path, total: int, groups: dict[str, list[Item]], mix: dict[str, float]
) -> list[Input]:
    """`total` inputs in `folder`, each group's spread evenly over the batch."""
    wanted = counts(total, mix)
    queues: dict[str, list[Item]] = {}
    for group, items in groups.items():
        picked, copies, position = [], {}, 0
        while len(picked) < wanted[group]:
            usable = [i for i in items if copies.get(i.name, 0) < CAPS.get(i.name, total)]
            if not usable:
                raise SystemExit(f"{group}: not enough items under CAPS for {wanted[group]}")
            item = usable[position % len(usable)]
            copies[item.name] = copies.get(item.name, 0) + 1
            picked.append(item)
            position += 1
        queues[group] = picked
    # interleave: spread each group evenly over the batch (Bresenham-like)
    order = sorted(
        ((index + 0.5) / len(queue), group, index)
        for group, queue in queues.items()
        for index in range(len(queue))
    )
    inputs, copies = [], {}
    for number, (_, group, index) in enumerate(order):
        item = queues[group][index]
        copy = copies[item.name] = copies.get(item.name, -1) + 1
        path = folder / f"{number:04d}_{item.name}"
        path.write_bytes(variant(item.data, item.name, number, copy))
        inputs.append(Input(path, item))
    return inputs


def print_mix(inputs: list[Input], groups: dict[str, list[Item]]) -> None:
    print(f"{len(inputs)} inputs:")
    for group in groups:
        mine = [i for i in inputs if i.item.group == group]
        distinct = len({i.item.name for i in mine})
        share = 100 * len(mine) / len(inputs)
        of = len(groups[group])
        print(f"  {group:9} {len(mine):4} ({share:4.1f}%), {distinct} of its {of} files")
    same = len(inputs) - len({hashlib.sha256(i.path.read_bytes()).digest() for i in inputs})
    print(f"  inputs with the same bytes as an earlier one: {same}")


# -- checks -----------------------------------------------------------------------------------


def _some(names: list[str]) -> str:
    return ", ".join(names[:8]) + (f" ... ({len(names)} in all)" if len(names) > 8 else "")


def _line(text: str, **problems: list[str]) -> str:
    """`text`, then each non-empty list of names with what is wrong with them."""
    return text + "".join(
        f"; {what.replace('_', ' ')}: {_some(names)}" for what, names in problems.items() if names
    )


def check(
    out: Path, inputs: list[Input], listener: Listener, victim: tuple[Path, bytes]
) -> list[tuple[bool, str]]:
    """(passed, what) for each check of one mode's OUT folder."""
    n = len(inputs)
    by_name = {i.path.stem: i for i in inputs}
    by_source = {str(i.path): i for i in inputs}
    files = sorted(p.stem for p in out.glob("*.json"))
    results, unreadable = {}, []
    for name in files:
        try:
            result = json.loads((out / f"{name}.json").read_text())
        except ValueError:
            result = None
        if isinstance(result, dict) and {"score", "extra_data"} <= result.keys():
            results[name] = result
        else:
            unreadable.append(name)
    rows = []
    if (out / "gradebook.sqlite").exists():
        with contextlib.closing(sqlite3.connect(out / "gradebook.sqlite")) as db:
            rows = db.execute("SELECT source_path, name, score FROM submissions").fetchall()
    rows_of: dict[str, list[tuple[str, float]]] = {}
    for source, name, score in rows:
        rows_of.setdefault(source, []).append((name, score))
    failures = sorted(name for name, r in results.items() if r["extra_data"].get("grader_failure"))
    wrong = [
        f"{name} {result['score']:g} (expected {by_name[name].item.expected:g})"
        for name, result in results.items()
        if name in by_name and result["score"] != by_name[name].item.expected
    ]
    row_names = [
        (source, name, score) for source, found in rows_of.items() for name, score in found
    ]
    misnamed = sorted(source for source, name, _ in row_names if name != Path(source).stem)
    differ = sorted(
        name for _, name, score in row_names if name in results and results[name]["score"] != score
    )
    victim_kept = victim[0].read_bytes() == victim[1]
    connections = listener.accepted
    return [
        (
            len(files) == n and set(files) == set(by_name) and not unreadable,
            _line(
                f"one result file per input: {len(files)} files for {n} inputs",
                missing=sorted(set(by_name) - set(files)),
                not_an_input=sorted(set(files) - set(by_name)),
                not_a_result=unreadable,
            ),
        ),
        (
            len(rows) == n and set(rows_of) == set(by_source) and len(rows_of) == n,
            _line(
                f"one gradebook row per input: {len(rows)} rows for {n} inputs",
                several_rows=sorted(s for s, found in rows_of.items() if len(found) > 1),
                no_row=sorted(set(by_source) - set(rows_of)),
                not_an_input=sorted(set(rows_of) - set(by_source)),
            ),
        ),
        (not misnamed, _line("each row has its input's name", named_otherwise=misnamed)),
        (not differ, _line("each result file's score is its row's", differ=differ)),
        (not failures, _line(f"grader failures: {len(failures)}", failed=failures)),
        (not wrong, _line(f"scored as labelled: {len(results) - len(wrong)}/{n}", other=wrong)),
        (
            connections == 0 and victim_kept,
            f"attacks kept in: {connections} connections to port {listener.address[1]},"
            f" {victim[0].name} {'unchanged' if victim_kept else 'CHANGED'}",
        ),
    ]


# -- report -----------------------------------------------------------------------------------


def windows(run: GradeRun) -> tuple[tuple[float, float], tuple[float, float]]:
    """The first and the last 10% of the run from its first result on (before that, the
    workers were starting: their fork servers importing TensorFlow is not growth)."""
    start = run.first_result or 0.0
    tenth = (run.seconds - start) / 10
    return (start, start + tenth), (run.seconds - tenth, run.seconds)


def memory_rows(run: GradeRun) -> list[str]:
    """Per process: peak RSS, and median RSS over the first and the last 10% of the run."""
    first, last = windows(run)
    rows = []

    def median(series, column: int, window: tuple[float, float]) -> str:
        value = series.median_mib(*window, column)
        return "-" if value is None else f"{value:.0f}"

    for series in sorted(run.sampler.series.values(), key=lambda s: (s.label, s.pid)):
        columns = [(1, "RSS")]
        if series.label.startswith("worker"):
            columns += [(2, "tree RSS"), (3, "tree PSS")]
        for column, what in columns:
            rows.append(
                f"| {series.label} (pid {series.pid}) | {what} | {series.peak(column):.0f}"
                f" | {median(series, column, first)} | {median(series, column, last)} |"
            )
    return rows


def group_times(out: Path, inputs: list[Input]) -> dict[str, float]:
    """Mean execution_time of each group's results."""
    spent: dict[str, list[float]] = {}
    for i in inputs:
        try:
            seconds = json.loads((out / f"{i.path.stem}.json").read_text())["execution_time"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # missing or unreadable: the checks say so
        spent.setdefault(i.item.group, []).append(seconds)
    return {group: sum(times) / len(times) for group, times in spent.items()}


def report(mode: str, run: GradeRun, inputs: list[Input], checks, cluster_start: float | None):
    n = len(inputs)
    print(f"\n== {mode}: {n} inputs ==")
    if cluster_start is not None:
        print(f"cluster start (scheduler + {WORKERS} workers registered): {cluster_start:.1f} s")
    first = f"{run.first_result:.1f} s" if run.first_result is not None else "-"
    cores = len(os.sched_getaffinity(0))
    foreign = run.sampler.foreign_cpu_seconds
    print(
        f"wall {run.seconds:.1f} s, {run.seconds / n:.2f} s per submission, first result after"
        f" {first}; CPU used by other processes meanwhile {foreign:.0f} s"
        f" ({100 * foreign / (run.seconds * cores):.1f}% of the machine)"
    )
    means = group_times(run.out, inputs)
    print(
        "mean grading time (execution_time): "
        + ", ".join(f"{g} {s:.2f} s" for g, s in means.items())
    )
    for passed, line in checks:
        print(f"{'PASS' if passed else 'FAIL'} {line}")
    print(
        "\nMiB: RSS sampled every second, tree PSS every 5 s. First / last 10%: medians over"
        " the first and the last tenth of the time from the first result to the end"
    )
    print("| process | what | peak | first 10% | last 10% |\n|---|---|---|---|---|")
    print("\n".join(memory_rows(run)))
    print(f"processes left running (stopped by this script): {run.left_running}")


def to_json(run: GradeRun, inputs: list[Input], checks, cluster_start: float | None) -> dict:
    first, last = windows(run)
    return {
        "seconds": run.seconds,
        "per_submission": run.seconds / len(inputs),
        "first_result_seconds": run.first_result,
        "cluster_start_seconds": cluster_start,
        "foreign_cpu_seconds": run.sampler.foreign_cpu_seconds,
        "group_execution_time": group_times(run.out, inputs),
        "checks": [{"passed": passed, "line": line} for passed, line in checks],
        "memory": [
            {
                "label": s.label,
                "pid": s.pid,
                **{
                    what: {
                        "peak": s.peak(column),
                        "first_10pct": s.median_mib(*first, column),
                        "last_10pct": s.median_mib(*last, column),
                    }
                    for column, what in ((1, "rss"), (2, "tree_rss"), (3, "tree_pss"))
                },
            }
            for s in run.sampler.series.values()
        ],
        "left_running": run.left_running,
    }


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="inputs (default 500)")
    parser.add_argument("--mode", choices=("local", "dask", "both"), default="both")
    parser.add_argument("--cell-timeout", type=float, default=10.0)
    parser.add_argument("--probe-timeout", type=float, default=30.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--mix", help="shares over MIX's, e.g. valid=0.2,hostile=0.05")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args()
    exit_on_sigterm()
    mix = shares(args.mix)
    modes = ("local", "dask") if args.mode == "both" else (args.mode,)
    limits = [
        "--cell-timeout", str(args.cell_timeout), "--probe-timeout", str(args.probe_timeout),
        "--timeout", str(args.timeout),
    ]  # fmt: skip
    data = {}
    failed = False
    listener = Listener(socket.AF_INET, ("127.0.0.1", 0))  # hostile code tries to reach it
    seen: dict = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
            work = Path(tmp)
            folder, victim_folder = work / "inputs", work / "victim"
            folder.mkdir()
            victim_folder.mkdir()
            victim, victim_bytes = victim_folder / VICTIM, b'{"score": 10.0}\n'
            groups = all_items(victim_folder, listener.address[1])
            inputs = build(folder, args.count, groups, mix)
            print_mix(inputs, groups)
            print(f"grade options: {' '.join(limits)}; {WORKERS} workers")
            step("warm-up import of TensorFlow")
            warm_up()
            for mode in modes:
                out, log = work / f"out-{mode}", work / f"grade-{mode}.log"
                victim.write_bytes(victim_bytes)  # as it was before each mode
                cluster_start = None
                step(f"{mode}: grading {len(inputs)} inputs")
                if mode == "local":
                    run = grade(
                        folder, out, ["--workers", str(WORKERS)], log, SAMPLE_SECONDS, seen,
                        options=limits, progress=PROGRESS_SECONDS, pss_every=PSS_SECONDS,
                    )  # fmt: skip
                else:
                    with running_cluster(WORKERS, work) as cluster:
                        cluster_start = cluster.start_seconds
                        step(f"cluster at {cluster.address} up in {cluster_start:.1f} s")
                        run = grade(
                            folder, out, ["--dask", cluster.address], log, SAMPLE_SECONDS, seen,
                            cluster, limits, progress=PROGRESS_SECONDS, pss_every=PSS_SECONDS,
                        )  # fmt: skip
                    run.left_running += stop_leftovers(list(seen.values()))
                if run.returncode != 0:
                    print(log.read_text()[-3000:], file=sys.stderr)
                checks = check(out, inputs, listener, (victim, victim_bytes))
                checks.insert(0, (run.returncode == 0, f"grade exited with {run.returncode}"))
                failed |= not all(passed for passed, _ in checks)
                report(mode, run, inputs, checks, cluster_start)
                data[mode] = to_json(run, inputs, checks, cluster_start)
    finally:
        listener.close()
        stop_leftovers(list(seen.values()))
    finish(failed, f"soak of {args.count} inputs, {', '.join(modes)}", data, args.json)


if __name__ == "__main__":
    interruptible(main)
