"""What the benchmarks share: where the corpora and their labels are, the sets of notebooks
they grade, reading a result, the warm-up, progress lines, stopping cleanly, and the memory
and CPU time of processes, read from /proc.

Standard library and `autograder` only; psutil (installed with dask) is imported by the
function that stops processes, the one thing here that needs it.
"""

import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's bin: autograder, otter, dask
CORPUS = ROOT / "tests" / "corpus" / "notebooks"  # tf_intro's labelled corpus
LABELS = ROOT / "tests" / "corpus" / "labels.json"
CORPORA = {  # each built-in lab with a labelled corpus
    "tf_intro": CORPUS,
    "tf_network": ROOT / "tests" / "corpus_tf_network" / "notebooks",
}
REFERENCE = "valid_reference"
KINDS = {"valid": "valid_", "mistake": "mistake_", "game": "game_", "untouched": "untouched"}
SKIP = {"valid_endless_scratch_cell"}  # `while True: pass`: it measures the cell time limit


# -- the corpus and its labels ----------------------------------------------------------------


def notebooks(folder: Path, kind: str) -> list[Path]:
    """The corpus notebooks of one kind of KINDS, in name order, SKIP left out."""
    return sorted(p for p in folder.glob(f"{KINDS[kind]}*.ipynb") if p.stem not in SKIP)


def sample(folder: Path, count: int, first: str | None = None) -> list[Path]:
    """At most `count` notebooks: round robin over KINDS, each kind in name order, with the
    notebook named `first` (a stem) at the front of its kind."""
    queues = []
    for kind in KINDS:
        paths = notebooks(folder, kind)
        paths.sort(key=lambda path: path.stem != first)  # stable: `first` first
        queues.append(paths)
    chosen: list[Path] = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


def expected_parts(labels: Path = LABELS) -> dict[str, dict[str, float]]:
    """The points per part that each corpus notebook should score, from a labels.json."""
    cases = json.loads(labels.read_text())["cases"]
    return {name: case["expected"] for name, case in cases.items()}


def part_scores(result: dict) -> dict[str, float]:
    """Points per part (the tests' tags) of one result file."""
    scores: dict[str, float] = {}
    for test in result["tests"]:
        for tag in test.get("tags", []):
            scores[tag] = scores.get(tag, 0.0) + test["score"]
    return scores


def cell_seconds(result: dict) -> float:
    """The seconds the notebook's own code cells took in the sandbox, from a result file."""
    cells = (result.get("extra_data") or {}).get("cells") or []
    return sum(cell.get("seconds", 0.0) for cell in cells)


# -- running a benchmark ------------------------------------------------------------------------


def step(title: str) -> None:
    """A progress line on stderr, with the time."""
    print(f"[{time.strftime('%H:%M:%S')}] {title}", file=sys.stderr, flush=True)


def student_environment() -> dict[str, str]:
    """What the grader gives student code (autograder.sandbox.environment), on the CPU."""
    from autograder.sandbox.environment import child_environment

    return child_environment(dict(os.environ), gpu=False)


def warm_up() -> None:
    """Not measured: brings TensorFlow's files into the page cache before any measurement."""
    subprocess.run(
        [sys.executable, "-c", "import tensorflow, tf_keras"],
        env=student_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )


def exit_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every `finally` stops what it started."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def interruptible(main: Callable[[], None]) -> None:
    """Runs `main`; on Ctrl-C, one line instead of a traceback (every `finally` has run)."""
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: every process this script started is stopped", file=sys.stderr)
        sys.exit(130)


def alive(process: "psutil.Process") -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def stop_leftovers(processes: list["psutil.Process"], grace: float = 5.0) -> int:
    """Kills, by pid, those of the given processes (all started by this script, directly or
    not) still running after `grace` seconds; returns how many it had to kill."""
    import psutil

    running = [p for p in processes if alive(p)]
    _, running = psutil.wait_procs(running, timeout=grace) if running else ([], [])
    running = [p for p in running if alive(p)]
    for process in running:
        with contextlib.suppress(psutil.Error):
            command = " ".join(process.cmdline())[:120]
            step(f"stopping pid {process.pid}, still running: {command}")
            process.kill()
    psutil.wait_procs(running, timeout=10)
    return len(running)


# -- processes: memory and CPU time, from /proc -------------------------------------------------


def read_text(path: str) -> str:
    """The file's text, or "" when it can't be read (the process has ended)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:
        return ""


def status_kb(pid: int, key: str) -> int | None:
    """A kB field of /proc/PID/status (VmHWM: the peak resident set), None if unreadable."""
    match = re.search(rf"^{key}:\s+(\d+) kB", read_text(f"/proc/{pid}/status"), re.MULTILINE)
    return int(match.group(1)) if match else None


def mem_available_kb() -> int:
    match = re.search(r"^MemAvailable:\s+(\d+) kB", read_text("/proc/meminfo"), re.MULTILINE)
    return int(match.group(1)) if match else 0


def rss_bytes(pid: int) -> int | None:
    """The resident set size now (/proc/PID/statm), None if unreadable."""
    fields = read_text(f"/proc/{pid}/statm").split()
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE") if len(fields) > 1 else None


def pss_bytes(pid: int) -> int:
    """The proportional set size (/proc/PID/smaps_rollup): each page shared between
    processes counted once in all; 0 if unreadable. Costs milliseconds for a process that
    has imported TensorFlow."""
    match = re.search(r"^Pss:\s+(\d+) kB", read_text(f"/proc/{pid}/smaps_rollup"), re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


def command_line(pid: int) -> str:
    return read_text(f"/proc/{pid}/cmdline").replace("\0", " ")


def process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far) for every process on the machine."""
    table = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read_text(f"/proc/{entry}/stat")
            if stat:
                # pid (comm) state ppid ... utime stime; comm may hold spaces and parentheses
                fields = stat.rsplit(")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return table


def children_of(table: Mapping[int, tuple[int, float]]) -> dict[int, list[int]]:
    """parent pid -> its children's pids, from a process_table."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    return children


def _task_children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found += map(int, read_text(f"/proc/{pid}/task/{task}/children").split())
    except OSError:
        pass
    return found


def tree(pid: int, children: Mapping[int, list[int]] | None = None) -> list[int]:
    """`pid` and every process below it, each after its parent: from `children` (see
    children_of) or, without it, from /proc/PID/task/TID/children, which is cheaper than
    reading the whole process table."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack += children.get(current, []) if children is not None else _task_children(current)
    return found


class ForeignCpu:
    """The CPU time that processes other than the measured ones use from its start on (other
    users of the machine: they slow a measurement down)."""

    def __init__(self, table: Mapping[int, tuple[int, float]]):
        self.before = {pid: cpu for pid, (_, cpu) in table.items()}
        self.used: dict[int, float] = {}  # pid -> CPU seconds used since the start

    def update(self, table: Mapping[int, tuple[int, float]], measured: Collection[int]) -> None:
        for pid, (_, cpu) in table.items():
            if pid not in measured:
                self.used[pid] = cpu - self.before.get(pid, 0.0)

    @property
    def seconds(self) -> float:
        return sum(self.used.values())


class Sampler(threading.Thread):
    """Calls `sample()` at once and then every `interval` seconds, until `stop()`."""

    def __init__(self, interval: float):
        super().__init__(daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def sample(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def finish(failed: bool, what: str, data, json_path: Path | None) -> None:
    """Write the figures as JSON if asked, print this script's own CPU time and the verdict,
    and exit 1 if anything failed."""
    if json_path:
        json_path.write_text(json.dumps(data, indent=1))
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\nCPU used by this script (inputs, sampling): {own.ru_utime + own.ru_stime:.1f} s")
    print(f"{'FAIL' if failed else 'PASS'}: {what}")
    sys.exit(1 if failed else 0)
