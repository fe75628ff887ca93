"""Grading speed and memory, measured side by side in one run on the same submissions.

Usage (from the repository root):

    .venv/bin/python -m bench.benchmark [--submissions N] [--skip-otter] [--json PATH]

The set: N (default 24) notebooks from the labelled corpus `tests/corpus/notebooks/`, a
deterministic round robin over the categories valid / mistake / game / untouched (each in
name order, `valid_reference` first), copied into a temporary folder. Notebooks with a
never-ending cell (`valid_endless_scratch_cell`) are left out: they would measure the cell
time limit, not grading. Every measurement grades exactly this set:

floor
    The unavoidable work for one submission: a warm parent (TensorFlow, tf_keras and numpy
    imported with TF_USE_LEGACY_KERAS=1 and CUDA_VISIBLE_DEVICES=-1, no TensorFlow op run)
    forks a child per repetition; the child runs the code cells of `valid_reference` in a
    dict namespace (with the sandbox's `otter` stub, and the lab's `before_student_code`
    as in grading: on CPU, the grader's bit-identical Adam) and then calls the probes the hidden
    checks request (train_step_run from 0 for 1000 steps, from the 3 hidden starts for 25,
    training_run for [1, -10, 25] and the 2 hidden coefficient sets), and sends its own wall
    time back through a pipe. Median of 3.
mix floor (extra)
    The same child, once per submission of the set (cells that raise and probes that fail
    are caught and passed over), so that the grader's time on the mix can be compared with
    the same mix's own work: failing notebooks are cheaper than the reference.
grader, 1 worker / all cores
    `autograder grade DIR --out OUT --workers W --force` with a fresh OUT, wall time / N,
    CLI and fork-server start-up included. W = 1, then W = len(os.sched_getaffinity(0)).
fresh python
    `autograder.grade.grade_submission(..., forkserver=None)` for each submission in turn,
    in one subprocess: every student process is a new interpreter that imports TensorFlow.
otter run
    `otter run -a autograder.zip NOTEBOOK` (otter's non-Docker path) one notebook after
    another; the zip comes from `otter generate` over the lab's public checks
    (`assignments/tf_intro/tests/*.py`). It needs a Jupyter kernel named python3 in the venv
    (`pip install ipykernel` and `python -m ipykernel install --sys-prefix --name python3`).
    It runs with the environment the grader gives student code (TF_USE_LEGACY_KERAS=1,
    CUDA_VISIBLE_DEVICES=-1, TF_CPP_MIN_LOG_LEVEL=2, MPLBACKEND=Agg).

Each grader result is also compared with the corpus labels (score per part), so a
timing from a grading that went wrong shows as DIFF in the per-submission table.

Memory: while each measurement runs, a thread of this script reads /proc every 0.2 s and
keeps, for every process below the measured command, the peak resident set size the
kernel recorded for it (VmHWM in /proc/PID/status), grouped by role (worker, fork server,
student process, ...). A forked student process counts the pages it maps that it still
shares copy-on-write with its fork server, so peaks can't be summed into a total. For
that, the thread also keeps the lowest MemAvailable of the machine: "machine peak" is how
much more memory the machine was using at the worst moment than when the command started.
"""

import argparse
import builtins
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import (
    BIN,
    CORPUS,
    REFERENCE,
    ROOT,
    ForeignCpu,
    Sampler,
    cell_seconds,
    children_of,
    command_line,
    expected_parts,
    mem_available_kb,
    part_scores,
    process_table,
    sample,
    status_kb,
    step,
    student_environment,
    tree,
    warm_up,
)

PUBLIC_TESTS = ROOT / "assignments" / "tf_intro" / "tests"
REFERENCE_NOTEBOOK = CORPUS / f"{REFERENCE}.ipynb"
LAB = "tf_intro"
FLOOR_REPETITIONS = 3
FLOOR_CHILD_SECONDS = 300  # a floor child still running after this is stopped
OTTER_SECONDS = 900  # per notebook
SAMPLE_SECONDS = 0.2


# -- the set of submissions -------------------------------------------------------------


def pick_submissions(count: int) -> list[Path]:
    """Round robin over the kinds, each in name order with valid_reference first."""
    picked = sample(CORPUS, count, first=REFERENCE)
    if len(picked) < count:
        raise SystemExit(f"--submissions {count}: the corpus has {len(picked)} usable notebooks")
    return picked


# -- memory: peak RSS per process, by role ------------------------------------------------


def _role(command: str, parent_role: str | None) -> str:
    if "autograder.sandbox.forkserver" in command:
        # forked children keep the server's command line
        return "student process" if parent_role == "fork server" else "fork server"
    if "autograder.sandbox.child" in command:
        return "student process (cold)"
    if "multiprocessing.spawn" in command:
        return "worker"
    if "resource_tracker" in command:
        return "resource tracker"
    if "--internal floor" in command:
        return "floor child"  # forked: the floor parent's command line
    if "ipykernel_launcher" in command:
        return "otter kernel"
    return "other"


class ProcessSampler(Sampler):
    """Watches the processes below `root_pid`: peak RSS (VmHWM) by role, and the CPU time
    that processes outside that tree (and outside this script) use meanwhile."""

    def __init__(self, root_pid: int, root_role: str):
        super().__init__(SAMPLE_SECONDS)
        self.root_pid, self.root_role = root_pid, root_role
        self.roles: dict[int, str] = {}
        self.peak_kb: dict[int, int] = {}
        self.baseline_available = mem_available_kb()
        self.lowest_available = self.baseline_available
        self.cpu = ForeignCpu(process_table())

    def sample(self) -> None:
        self.lowest_available = min(self.lowest_available, mem_available_kb())
        table = process_table()
        below = tree(self.root_pid, children_of(table))  # each process after its parent
        for pid in below:
            if pid not in self.roles:
                if pid == self.root_pid:
                    self.roles[pid] = self.root_role
                else:
                    self.roles[pid] = _role(command_line(pid), self.roles.get(table[pid][0]))
            hwm = status_kb(pid, "VmHWM")
            if hwm:
                self.peak_kb[pid] = max(hwm, self.peak_kb.get(pid, 0))
        self.cpu.update(table, {os.getpid(), *below, *self.roles})

    @property
    def foreign_cpu_seconds(self) -> float:
        return self.cpu.seconds

    def by_role(self) -> dict[str, dict]:
        """role -> {processes seen, max and median peak RSS in MB}."""
        grouped: dict[str, list[int]] = {}
        for pid, peak in self.peak_kb.items():
            grouped.setdefault(self.roles[pid], []).append(peak)
        return {
            role: {
                "processes": len(peaks),
                "max_mb": max(peaks) / 1024,
                "median_mb": statistics.median(peaks) / 1024,
            }
            for role, peaks in grouped.items()
        }

    @property
    def machine_peak_mb(self) -> float:
        return (self.baseline_available - self.lowest_available) / 1024


@dataclass
class Run:
    """One timed command: wall seconds, exit code and the memory seen meanwhile."""

    seconds: float
    returncode: int
    memory: dict[str, dict] = field(default_factory=dict)
    machine_peak_mb: float = 0.0
    timed_out: bool = False
    foreign_cpu_seconds: float = 0.0  # CPU used meanwhile by processes not measured


def timed(command: list, root_role: str, log: Path, timeout: float | None = None, **popen) -> Run:
    """Runs `command` (output to `log`) in its own process group, sampling its memory."""
    with open(log, "wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(part) for part in command],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a timeout can stop it with everything it started
            **popen,
        )
        sampler = ProcessSampler(process.pid, root_role)
        sampler.start()
        timed_out = False
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            returncode, timed_out = process.wait(), True
        seconds = time.perf_counter() - started
        sampler.stop()
    return Run(
        seconds,
        returncode,
        sampler.by_role(),
        sampler.machine_peak_mb,
        timed_out,
        sampler.foreign_cpu_seconds,
    )


# -- 1. floor: the notebook's own code plus the probes, in a warm forked child ------------


def probe_requests(hidden) -> list[tuple[str, dict]]:
    """The distinct probe calls the hidden checks make (autograder.labs.tf_intro.observations)."""
    return [
        ("train_step_run", {"start": 0.0, "steps": 1000, "detail_steps": 25}),
        *(("train_step_run", {"start": s, "steps": 25, "detail_steps": 25}) for s in hidden.starts),
        ("training_run", {"coefficients": [1.0, -10.0, 25.0], "start": 0.0}),
        *(
            ("training_run", {"coefficients": [float(c) for c in coefficients], "start": start})
            for coefficients, start in zip(hidden.coefficients, hidden.training_starts, strict=True)
        ),
    ]


def floor_process(output: Path, notebooks: list[Path], repetitions: int) -> None:
    """`--internal floor`: the warm parent. Writes {stem: [{cells, probes, total}, ...]}."""
    from autograder.sandbox.environment import CPU_ONLY, FORCED

    os.environ.update(FORCED)
    os.environ.update(CPU_ONLY)
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401
    import tf_keras  # noqa: F401

    from autograder.labs.tf_intro import probes
    from autograder.labs.tf_intro.hidden_inputs import draw
    from autograder.notebook import load_notebook
    from autograder.sandbox.cells import IPythonShim, otter_stub
    from autograder.seeding import submission_seed

    timings = {}
    for path in notebooks:
        notebook = load_notebook(path.read_bytes())
        cells = [(cell.number, cell.python) for cell in notebook.cells]
        requests = probe_requests(draw(submission_seed(notebook.code_sources(), LAB)))
        timings[path.stem] = []
        for _ in range(repetitions):
            read_fd, write_fd = os.pipe()
            workdir = tempfile.mkdtemp(prefix="bench-floor-")
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(read_fd)
                _floor_child(cells, requests, write_fd, workdir, probes, IPythonShim, otter_stub)
            os.close(write_fd)
            with os.fdopen(read_fd, "rb") as pipe:
                answer = pipe.read()
            os.waitpid(pid, 0)
            shutil.rmtree(workdir, ignore_errors=True)
            timings[path.stem].append(json.loads(answer) if answer else None)
    output.write_text(json.dumps(timings))


def _floor_child(cells, requests, write_fd, workdir, probes, shim_class, otter_stub) -> None:
    status = 1
    try:
        signal.alarm(FLOOR_CHILD_SECONDS)
        os.chdir(workdir)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        sys.modules["otter"] = otter_stub()
        prepare = getattr(probes, "before_student_code", None)  # as the grader's child does
        if prepare is not None:
            prepare(False)
        started = time.perf_counter()
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        shim = shim_class(namespace)  # magics (%%time, %matplotlib) as the grader runs them
        namespace["get_ipython"] = lambda: shim
        for number, source in cells:
            try:
                exec(compile(source, f"<code cell {number}>", "exec"), namespace)
            except BaseException:  # noqa: BLE001 - a raising cell is part of the work
                pass
        cells_done = time.perf_counter()
        for name, args in requests:
            try:
                probes.PROBES[name](namespace, **args)
            except BaseException:  # noqa: BLE001 - a failing probe too
                pass
        done = time.perf_counter()
        times = {
            "cells": cells_done - started,
            "probes": done - cells_done,
            "total": done - started,
        }
        os.write(write_fd, json.dumps(times).encode())
        status = 0
    finally:
        os._exit(status)


def measure_floor(notebooks: list[Path], repetitions: int, work: Path) -> tuple[Run, dict]:
    """floor_process in a fresh interpreter; its Run and its timings per notebook."""
    output = work / "floor.json"
    command = [sys.executable, "-m", "bench.benchmark", "--internal", "floor"]
    command += ["--repetitions", repetitions, output, *notebooks]
    run = timed(command, "floor parent", work / "floor.log", cwd=ROOT)
    if run.returncode != 0:
        raise SystemExit(f"the floor measurement failed; see {work / 'floor.log'}")
    return run, json.loads(output.read_text())


# -- 2./3. this grader ----------------------------------------------------------------------


@dataclass
class Graded:
    """A grading command: its Run, and each submission's results.json by name."""

    run: Run
    results: dict[str, dict]


def measure_grader(submissions: Path, workers: int, work: Path) -> Graded:
    """`autograder grade DIR --out OUT --workers W --force` with a fresh OUT."""
    out = work / f"out-{workers}-workers"
    shutil.rmtree(out, ignore_errors=True)
    command = [BIN / "autograder", "grade", submissions, "--out", out]
    command += ["--workers", str(workers), "--force"]
    log = work / f"grade-{workers}.log"
    run = timed(command, "grader CLI", log, cwd=work)
    if run.returncode != 0:
        raise SystemExit(f"autograder grade failed; see {log}")
    return Graded(run, {path.stem: json.loads(path.read_text()) for path in out.glob("*.json")})


# -- 4. fresh python per submission ----------------------------------------------------------


def fresh_process(folder: Path, output: Path) -> None:
    """`--internal fresh`: grade each submission with a cold student process, in turn."""
    from autograder.grade import GradingOptions, grade_submission
    from autograder.intake import discover
    from autograder.lab import get_lab

    lab, results = get_lab(LAB), {}
    for submission in discover(folder):
        result = grade_submission(submission, lab, GradingOptions(), forkserver=None)
        results[submission.name] = result.to_json()
    output.write_text(json.dumps(results))


def measure_fresh(submissions: Path, work: Path) -> Graded:
    """fresh_process in a subprocess of its own; wall time of the whole subprocess."""
    output = work / "fresh.json"
    command = [sys.executable, "-m", "bench.benchmark", "--internal", "fresh", submissions, output]
    run = timed(command, "grader (fresh python)", work / "fresh.log", cwd=ROOT)
    if run.returncode != 0:
        raise SystemExit(f"fresh-python grading failed; see {work / 'fresh.log'}")
    return Graded(run, json.loads(output.read_text()))


# -- 5. otter run per submission ----------------------------------------------------------------


def build_otter_zip(work: Path) -> Path:
    """`otter generate` over the lab's public checks (no config, requirements or env files)."""
    target = work / "otter" / "autograder.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [BIN / "otter", "generate", "-t", PUBLIC_TESTS, "-o", target]
        + ["--no-config", "--no-requirements", "--no-environment"],
        cwd=target.parent,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return target


@dataclass
class OtterRun:
    name: str
    run: Run
    ok: bool  # exit code 0 and a results.json written
    score: float | None  # out of the public checks' 8 points
    note: str = ""


def measure_otter(notebooks: list[Path], work: Path) -> list[OtterRun]:
    """`otter run -a autograder.zip NOTEBOOK` on each notebook in turn."""
    autograder_zip = build_otter_zip(work)
    env = student_environment()
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    runs = []
    for notebook in notebooks:
        out = work / "otter" / notebook.stem
        out.mkdir(parents=True, exist_ok=True)
        log = out / "otter.log"
        command = [BIN / "otter", "run", "-a", autograder_zip, "-o", out, notebook]
        run = timed(command, "otter run", log, timeout=OTTER_SECONDS, cwd=out, env=env)
        results = out / "results.json"
        score = _otter_score(json.loads(results.read_text())) if results.exists() else None
        ok = run.returncode == 0 and results.exists()
        note = "timed out" if run.timed_out else ("" if ok else _last_line(log))
        runs.append(OtterRun(notebook.stem, run, ok, score, note))
    return runs


def _otter_score(results: dict) -> float:
    """Otter writes a top-level score only in some configurations; else sum the tests."""
    if "score" in results:
        return float(results["score"])
    return sum(float(test.get("score") or 0) for test in results.get("tests", []))


def _last_line(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][:100] if lines else "no output"


# -- reporting -----------------------------------------------------------------------------------


@dataclass
class Measurements:
    names: list[str]
    workers: int
    floor: list[dict]  # valid_reference: {cells, probes, total} per repetition
    mix_floor: dict[str, list]  # submission -> [{cells, probes, total} or None]
    grader_1: Graded
    grader_all: Graded
    fresh: Graded
    otter: list[OtterRun] | None
    floor_runs: tuple[Run, Run]  # the floor's and the mix floor's processes

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def floor_seconds(self) -> float:
        return statistics.median(t["total"] for t in self.floor)

    def mix_floor_total(self, key: str = "total") -> float | None:
        runs = [self.mix_floor.get(name, [None])[0] for name in self.names]
        return None if None in runs else sum(run[key] for run in runs)

    def per_submission(self) -> dict[str, float | None]:
        mix = self.mix_floor_total()
        otter = [o.run.seconds for o in self.otter] if self.otter else None
        return {
            "floor (valid_reference)": self.floor_seconds,
            "mix floor": mix / self.n if mix is not None else None,
            "grader 1 worker": self.grader_1.run.seconds / self.n,
            f"grader {self.workers} workers": self.grader_all.run.seconds / self.n,
            "fresh python": self.fresh.run.seconds / self.n,
            "otter run (mean)": statistics.mean(otter) if otter else None,
            "otter run (median)": statistics.median(otter) if otter else None,
        }


def matches_label(result: dict, expected: dict[str, float]) -> bool:
    got = part_scores(result)
    return all(abs(got.get(part, 0.0) - points) < 1e-6 for part, points in expected.items())


def times(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "n/a"


def print_submissions(m: Measurements) -> None:
    """One row per submission: does every grading match the label, and the seconds of each."""
    labels = expected_parts()
    otter = {o.name: o for o in m.otter or []}
    print("\nPer submission, seconds (grader columns: execution_time of its results.json)")
    print(
        f"{'submission':36} {'labels':>6} {'mix floor':>9} {'1 worker':>9}"
        f" {f'{m.workers} workers':>9} {'fresh py':>9} {'otter run':>9}  otter"
    )
    for name in m.names:
        graded = (m.grader_1, m.grader_all, m.fresh)
        ok = all(matches_label(g.results[name], labels[name]) for g in graded)
        floor = (m.mix_floor.get(name) or [None])[0]
        row = f"{name:36} {'ok' if ok else 'DIFF':>6}"
        row += f" {floor['total']:9.2f}" if floor else f" {'failed':>9}"
        for g in graded:
            row += f" {g.results[name]['execution_time']:9.2f}"
        if name in otter:
            o = otter[name]
            row += f" {o.run.seconds:9.2f}  " + (
                f"ok {o.score or 0:g}/8" if o.ok else f"FAIL {o.note}"
            )
        print(row)


def print_totals(m: Measurements) -> None:
    per = m.per_submission()
    floor = m.floor_seconds
    print(f"\n{'measurement':26} {'total s':>8} {'s/submission':>13} {'vs floor':>9}")
    for key, value in per.items():
        if value is not None:
            total = "" if "median" in key or "valid_reference" in key else f"{value * m.n:.1f}"
            print(f"{key:26} {total:>8} {value:13.2f} {times(value, floor):>9}")
    repetitions = ", ".join(f"{t['total']:.2f}" for t in m.floor)
    print(f"floor: median of {len(m.floor)} runs of valid_reference ({repetitions} s)")


def print_breakdown(m: Measurements) -> None:
    """Where the 1-worker wall time goes, next to the floor's cells and probes."""
    results = m.grader_1.results
    wall = m.grader_1.run.seconds
    grading = sum(results[name]["execution_time"] for name in m.names)
    cells = sum(cell_seconds(results[name]) for name in m.names)
    print("\nWhere the grader's time goes (1 worker)")
    print(
        f"  wall {wall:.1f} s = {wall - grading:.1f} s outside grade_submission (CLI imports,"
        f" fork server importing TensorFlow, gradebook, result files)"
    )
    print(
        f"    + {grading:.1f} s in grade_submission (sum of execution_time) = cells"
        f" {cells:.1f} s + {grading - cells:.1f} s (fork, probes, hidden checks, channel)"
    )
    mix, mix_cells = m.mix_floor_total(), m.mix_floor_total("cells")
    if mix is not None:
        print(
            f"  the mix floor for the same {m.n}: {mix:.1f} s = cells {mix_cells:.1f} s + probes"
            f" {mix - mix_cells:.1f} s; grade_submission / mix floor {times(grading, mix)},"
            f" wall / mix floor {times(wall, mix)}"
        )
    if "valid_reference" in results:
        ref = results["valid_reference"]
        floor = m.floor
        print(
            f"  valid_reference: execution_time {ref['execution_time']:.2f} s (cells"
            f" {cell_seconds(ref):.2f} s) vs floor {m.floor_seconds:.2f} s (cells"
            f" {statistics.median(t['cells'] for t in floor):.2f} s, probes"
            f" {statistics.median(t['probes'] for t in floor):.2f} s)"
        )


def _memory_line(label: str, run: Run) -> str:
    roles = [
        f"{role} {m['max_mb']:.0f} MB (max of {m['processes']}, median {m['median_mb']:.0f})"
        for role, m in sorted(run.memory.items())
        if role not in ("other", "resource tracker")
    ]
    return f"  {label}: " + "; ".join(roles) + f"; machine peak +{run.machine_peak_mb:.0f} MB"


def print_memory(m: Measurements) -> None:
    print("\nPeak memory: VmHWM (peak resident set) of each process, by role. A forked child")
    print("counts the pages it maps that it still shares with its parent: don't add them up")
    print(_memory_line("grader, 1 worker (the CLI process grades itself)", m.grader_1.run))
    print(_memory_line(f"grader, {m.workers} workers", m.grader_all.run))
    print(_memory_line("fresh python", m.fresh.run))
    print(_memory_line("floor (warm parent, forked children)", m.floor_runs[0]))
    if m.otter:
        worst = max(m.otter, key=lambda o: o.run.memory.get("otter kernel", {}).get("max_mb", 0))
        print(_memory_line(f"otter run (largest kernel: {worst.name})", worst.run))


def print_interference(m: Measurements) -> None:
    """CPU that processes outside the benchmark used during each measurement."""
    runs = {
        "floor": m.floor_runs[0],
        "mix floor": m.floor_runs[1],
        "grader 1 worker": m.grader_1.run,
        f"grader {m.workers} workers": m.grader_all.run,
        "fresh python": m.fresh.run,
    }
    if m.otter:
        runs["otter run"] = Run(
            sum(o.run.seconds for o in m.otter),
            0,
            foreign_cpu_seconds=sum(o.run.foreign_cpu_seconds for o in m.otter),
        )
    cores = len(os.sched_getaffinity(0))
    shares = [
        f"{name} {run.foreign_cpu_seconds:.1f} s"
        f" ({100 * run.foreign_cpu_seconds / (run.seconds * cores):.1f}%)"
        for name, run in runs.items()
    ]
    print("\nCPU used by other processes meanwhile (share of the machine's capacity):")
    print("  " + "; ".join(shares))


def _peak(runs: list[Run], role: str) -> float:
    return max(run.memory.get(role, {}).get("max_mb", 0.0) for run in runs)


def print_headline(m: Measurements) -> dict:
    """The summary lines and the team's targets; returns them as data."""
    per = m.per_submission()
    floor = m.floor_seconds
    one, many = per["grader 1 worker"], per[f"grader {m.workers} workers"]
    otter = per["otter run (mean)"]
    throughput = m.grader_1.run.seconds / m.grader_all.run.seconds
    fields = [f"floor {floor:.1f}"]
    if per["mix floor"]:
        fields.append(f"mix floor {per['mix floor']:.1f}")
    fields += [
        f"grader 1 worker {one:.1f} ({times(one, floor)} floor)",
        f"grader {m.workers} workers {many:.1f}",
        f"fresh python {per['fresh python']:.1f}",
    ]
    if otter:
        fields.append(f"otter run {otter:.1f} (median {per['otter run (median)']:.1f})")
    print("\nper-submission seconds: " + " | ".join(fields))
    print(f"throughput {m.workers} workers vs 1: {throughput:.2f}x")
    if otter:
        succeeded = sum(o.ok for o in m.otter)
        print(
            f"speed vs otter run: 1 worker {otter / one:.2f}x faster, {m.workers} workers"
            f" {otter / many:.2f}x faster (otter run succeeded on {succeeded}/{m.n})"
        )
    runs = [m.grader_1.run, m.grader_all.run]
    worker = max(_peak([m.grader_1.run], "grader CLI"), _peak([m.grader_all.run], "worker"))
    print(
        f"peak memory: worker {worker:.0f} MB, student process {_peak(runs, 'student process'):.0f}"
        f" MB, fork server {_peak(runs, 'fork server'):.0f} MB (VmHWM); machine above idle:"
        f" 1 worker +{m.grader_1.run.machine_peak_mb:.0f} MB, {m.workers} workers"
        f" +{m.grader_all.run.machine_peak_mb:.0f} MB"
    )
    targets = {
        "grader 1 worker <= 1.3x floor": one <= 1.3 * floor,
        f"{m.workers} workers >= 1.7x throughput of 1": throughput >= 1.7,
        "1 worker >= 2x faster than otter run": otter / one >= 2 if otter else None,
        f"{m.workers} workers >= 3.4x faster than otter run": otter / many >= 3.4
        if otter
        else None,
    }
    for target, holds in targets.items():
        print(f"target {target}: " + {None: "n/a", True: "holds", False: "DOES NOT HOLD"}[holds])
    return {"per_submission": per, "throughput": throughput, "targets": targets}


def to_json(m: Measurements, headline: dict) -> dict:
    def run(r: Run) -> dict:
        keys = ("seconds", "returncode", "memory", "machine_peak_mb", "foreign_cpu_seconds")
        return {k: getattr(r, k) for k in keys}

    data = {"names": m.names, "workers": m.workers, "floor": m.floor, "mix_floor": m.mix_floor}
    data["floor_runs"] = [run(r) for r in m.floor_runs]
    for key in ("grader_1", "grader_all", "fresh"):
        graded: Graded = getattr(m, key)
        data[key] = {
            "run": run(graded.run),
            "execution_time": {k: v["execution_time"] for k, v in graded.results.items()},
        }
    if m.otter:
        data["otter"] = [
            {"name": o.name, "ok": o.ok, "score": o.score, "note": o.note, "run": run(o.run)}
            for o in m.otter
        ]
    return {**data, "headline": headline}


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=24, help="how many (default 24)")
    parser.add_argument("--skip-otter", action="store_true", help="leave out `otter run`")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--internal", choices=("floor", "fresh"), help=argparse.SUPPRESS)
    parser.add_argument("--repetitions", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal == "floor":
        return floor_process(args.paths[0], args.paths[1:], args.repetitions)
    if args.internal == "fresh":
        return fresh_process(*args.paths)

    picked = pick_submissions(args.submissions)
    workers = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        folder = work / "submissions"
        folder.mkdir()
        copies = [Path(shutil.copy(path, folder / path.name)) for path in picked]
        step(f"{len(copies)} submissions in {folder}; warm-up import of TensorFlow")
        warm_up()
        step(f"floor: valid_reference x{FLOOR_REPETITIONS} in warm forked children")
        floor_run, floor = measure_floor([REFERENCE_NOTEBOOK], FLOOR_REPETITIONS, work)
        step("mix floor: each submission once in a warm forked child")
        mix_floor_run, mix_floor = measure_floor(copies, 1, work)
        step("grader, 1 worker")
        grader_1 = measure_grader(folder, 1, work)
        step(f"grader, {workers} workers")
        grader_all = measure_grader(folder, workers, work)
        step("fresh python per submission")
        fresh = measure_fresh(folder, work)
        otter = None
        if not args.skip_otter:
            step("otter run per submission")
            otter = measure_otter(copies, work)
        step("done")
    m = Measurements(
        names=[path.stem for path in picked],
        workers=workers,
        floor=floor["valid_reference"],
        mix_floor=mix_floor,
        grader_1=grader_1,
        grader_all=grader_all,
        fresh=fresh,
        otter=otter,
        floor_runs=(floor_run, mix_floor_run),
    )
    print(f"{m.n} submissions: {', '.join(m.names)}")
    print_submissions(m)
    print_totals(m)
    print_breakdown(m)
    print_memory(m)
    print_interference(m)
    headline = print_headline(m)
    if args.json:
        args.json.write_text(json.dumps(to_json(m, headline), indent=1))


if __name__ == "__main__":
    main()
