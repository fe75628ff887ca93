"""What one submission costs under run_autograder, and whether Gradescope's default
container (768 MiB of memory, 0.5 vCPU) is enough.

Usage (from the repository root, as root: the limits are cgroup v1 groups):

    .venv/bin/python -m bench.gradescope_footprint [--root DIR]

1. `autograder bundle` is unpacked into ROOT/source and setup.sh runs for real, from an
   empty venv, with the python3 first on PATH: the pinned install, timed. With --root
   naming a folder already set up, this is skipped.
2. Each notebook (the reference solution, a mistake, a hostile one) goes through
   run_autograder twice, each run in its own memory and cpu cgroup:
   - unlimited: wall time; the peak of the summed proportional set size (PSS) of the run's
     process tree, sampled every 20 ms, which counts memory shared between the grader, the
     fork server and the student's child once, as the kernel does; and the cgroup's own
     peak (memory.max_usage_in_bytes, which also counts the page cache of the files read);
   - as Gradescope's default container: memory.limit_in_bytes 768 MiB and a CPU quota of
     half a core (cfs_quota_us 50000 per 100000). Reported: wall time, the score, and
     whether the kernel's OOM killer fired (memory.oom_control).
   Before each run the page cache is dropped (/proc/sys/vm/drop_caches), so the files the
   run reads (TensorFlow's libraries) are charged to its cgroup, as in a fresh container;
   otherwise pages cached by an earlier process are charged to that process's group.

Without write access to /sys/fs/cgroup, only the unlimited runs are made.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench.common import CORPUS, Sampler, pss_bytes, tree

CASES = ("valid_reference", "mistake_wrong_sign", "game_patch_test_runner")
MEMORY_CG = Path("/sys/fs/cgroup/memory")
CPU_CG = Path("/sys/fs/cgroup/cpu")
GRADESCOPE_MEMORY = 768 << 20
METADATA = {
    "id": 1,
    "created_at": "2026-12-01T20:00:00.000000-05:00",
    "assignment": {"due_date": "2026-12-01T23:59:00.000000-05:00", "title": "TF intro"},
    "users": [{"email": "ada@uni.edu", "id": 1, "name": "Ada Lovelace", "sid": "S1"}],
}


def set_up(root: Path) -> float | None:
    """Unpack the bundle and run setup.sh from nothing; its wall time (None if reused)."""
    if (root / "source" / "venv" / "bin" / "python").exists():
        return None
    bundle = root / "autograder.zip"
    subprocess.run([sys.executable, "-m", "autograder.cli", "bundle", "--out", str(bundle)],
                   check=True, capture_output=True)  # fmt: skip
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    started = time.monotonic()
    subprocess.run(["bash", str(root / "source" / "setup.sh")], check=True)
    return time.monotonic() - started


class PeakPss(Sampler):
    """Every 20 ms, the summed PSS of the process tree below `pid`; keeps the peak."""

    def __init__(self, pid: int):
        super().__init__(0.02)
        self.pid, self.peak = pid, 0

    def sample(self) -> None:
        self.peak = max(self.peak, sum(pss_bytes(pid) for pid in tree(self.pid)))


class Cgroup:
    """A memory and a cpu cgroup (v1) for one run."""

    def __init__(self, name: str, memory: int | None, cpus: float | None):
        self.memory, self.cpu = MEMORY_CG / name, CPU_CG / name
        for group in (self.memory, self.cpu):
            if group.exists():
                group.rmdir()
            group.mkdir()
        if memory:
            (self.memory / "memory.limit_in_bytes").write_text(str(memory))
            (self.memory / "memory.memsw.limit_in_bytes").write_text(str(memory))  # no swap
        if cpus:
            (self.cpu / "cpu.cfs_period_us").write_text("100000")
            (self.cpu / "cpu.cfs_quota_us").write_text(str(int(100000 * cpus)))

    def enter_command(self, command: str) -> list[str]:
        return ["sh", "-c", f"echo $$ > {self.memory}/cgroup.procs;"
                f" echo $$ > {self.cpu}/cgroup.procs; exec {command}"]  # fmt: skip

    def peak(self) -> int:
        return int((self.memory / "memory.max_usage_in_bytes").read_text())

    def oom_kills(self) -> int:
        for line in (self.memory / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def remove(self) -> None:
        for group in (self.memory, self.cpu):
            for _ in range(50):  # the last process may still be leaving
                try:
                    group.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def run_once(root: Path, case: str, group: Cgroup | None) -> dict:
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir()
    shutil.copy(CORPUS / f"{case}.ipynb", root / "submission" / "tf_intro.ipynb")
    (root / "submission_metadata.json").write_text(json.dumps(METADATA))
    command = f"bash {root / 'source' / 'run_autograder'}"
    argv = group.enter_command(command) if group else ["bash", command.split(" ", 1)[1]]
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    cold = drop_caches()
    started = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sampler = PeakPss(process.pid)
    sampler.start()
    output = process.communicate()[0].decode(errors="replace")
    wall = time.monotonic() - started
    sampler.stop()
    result = json.loads((root / "results" / "results.json").read_text())
    return {
        "wall_s": wall,
        "pss_peak_mib": sampler.peak / 2**20,
        "cgroup_peak_mib": group.peak() / 2**20 if group else None,
        "oom_kills": group.oom_kills() if group else None,
        "score": result["score"],
        "page_cache_dropped": cold,
        "first_line": result["output"].splitlines()[0] if result["output"] else "",
        "stdout_tail": output.strip().splitlines()[-1:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, help="a folder to set up in, or already set up")
    args = parser.parse_args()
    root = args.root or Path(tempfile.mkdtemp(prefix="gradescope-"))
    root.mkdir(parents=True, exist_ok=True)
    setup_seconds = set_up(root)
    if setup_seconds is not None:
        print(f"setup.sh from an empty venv: {setup_seconds:.0f} s")
    limits = os.access(MEMORY_CG, os.W_OK) and os.access(CPU_CG, os.W_OK)
    rows = []
    for case in CASES:
        for label, memory, cpus in (("unlimited", None, None),
                                    ("768 MiB, 0.5 CPU", GRADESCOPE_MEMORY, 0.5)):  # fmt: skip
            if memory and not limits:
                continue
            group = Cgroup(f"tf-autograder-{os.getpid()}", memory, cpus) if limits else None
            try:
                row = run_once(root, case, group)
            finally:
                if group:
                    group.remove()
            rows.append((case, label, row))
            print(json.dumps({"case": case, "limits": label, **row}), flush=True)
    print()
    print("| notebook | container | wall s | peak PSS MiB | cgroup peak MiB | OOM kills | score |")
    print("|---|---|---|---|---|---|---|")
    for case, label, row in rows:
        cgroup_peak = f"{row['cgroup_peak_mib']:.0f}" if row["cgroup_peak_mib"] else "-"
        print(f"| {case} | {label} | {row['wall_s']:.1f} | {row['pss_peak_mib']:.0f} |"
              f" {cgroup_peak} | {row['oom_kills'] if row['oom_kills'] is not None else '-'} |"
              f" {row['score']:g} |")  # fmt: skip
    if not args.root:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
