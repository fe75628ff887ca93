"""Grading speed per submission of two versions of the grader, side by side in one run.

Usage (from the repository root):

    .venv/bin/python -m bench.compare_versions [--base REF] [--submissions N] [--repeat R] \
        [--workers W] [--json PATH]

The versions: "before" is the grader at the git commit REF (default HEAD; for instance
`--base d88e797`), checked out with `git worktree add --detach` into a temporary folder;
"after" is the working tree of this checkout as it is, uncommitted changes included. Both
run with this script's interpreter (the project's venv), so TensorFlow, tf_keras and numpy
are the same; only the `autograder` package differs.

Which `autograder` each version imports: the venv holds an editable install of this
checkout, found by a finder that Python asks only after sys.path. Each version's commands
run with cwd = its tree and PYTHONPATH = its tree, so its own package comes first on
sys.path. The grader's fork server and its cold student processes (`python -m
autograder.sandbox.child`) are started with the environment from
`autograder.sandbox.environment.child_environment(os.environ)`, which keeps PYTHONPATH;
the fork server runs in the CLI's cwd, and the students it forks share its imports. Before
any timing, the script checks this for each version: in that version's environment it
prints `autograder.__file__`, then starts `python -c "import autograder"` with that
version's child_environment, once in the version's tree (as the fork server) and once in
an empty folder (as a cold student process, whose cwd is its work folder). All three must
lie in the version's tree, or the script stops.

The set: for each built-in lab with a labelled corpus (tf_intro: `tests/corpus/`,
tf_network: `tests/corpus_tf_network/`), N notebooks (default 6) of the working tree's
corpus: the round robin over valid / mistake / game / untouched of `bench.common.sample` (each
kind in name order, `valid_endless_scratch_cell` left out: it would measure the cell time
limit), with `valid_reference` first among the valid ones. Both versions grade the same
files, copied into a temporary folder.

Speed: each version runs `python -m autograder.cli grade DIR --out OUT --workers W --force
--lab LAB` (W default 2) with a fresh OUT, timed from outside: wall time of the whole
command (CLI start-up, fork servers importing TensorFlow, gradebook and result files
included) / N. For each lab the two versions alternate R times (default 2): before first in
odd repetitions, after first in even ones, so that drift on the machine (other load, the
page cache) hits both alike. Reported: the median seconds per submission of each version
for each lab, and the ratio after / before (below 1: the working tree grades faster).
Unmeasured, first: TensorFlow is imported once to warm the page cache, and each tree's
bytecode is written (`compileall`), as a tree that has run before has it. Timings on the
project's 2-core machine vary by about 20% from one run to the next: compare the ratios of
one run, and use R >= 2.

Verdicts: from each version's first successful run, the score of every part (the tests'
tags) of each notebook, side by side, and which notebooks' scores differ between the
versions. Each version's scores are also compared with the corpus labels of its own tree
(`labels.json`): a difference that comes with changed labels is an intended one. A
version's later runs that give other scores than its first are reported too.

A version that fails to grade a lab (a base commit without that lab, a working tree in the
middle of a change) is reported with the end of its output; the other results still print.
The worktree and the temporary folder are removed at the end, after an error, Ctrl-C or
SIGTERM too, and so is every process a grading command had started.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
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
    CORPORA,
    REFERENCE,
    ROOT,
    exit_on_sigterm,
    expected_parts,
    interruptible,
    part_scores,
    sample,
    step,
    stop_leftovers,
    warm_up,
)

LOG_TAIL = 2000  # characters of a failed command's output shown

# Run in a version's environment: where the CLI's `autograder` comes from, and where the
# fork server's (cwd: the tree) and a cold student process's (cwd: elsewhere) would.
WHERE = """
import os, subprocess, sys, tempfile
import autograder
env = dict(os.environ)
try:
    from autograder.sandbox.environment import child_environment
    env = child_environment(env, gpu=False)
except (ImportError, TypeError):
    pass
print(autograder.__file__)
code = "import autograder; print(autograder.__file__)"
with tempfile.TemporaryDirectory() as empty:
    for cwd in (os.getcwd(), empty):
        child = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,
                               capture_output=True, text=True, check=True)
        print(child.stdout.strip())
"""


# -- the two versions ---------------------------------------------------------------------


@dataclass
class Version:
    role: str  # "before" or "after"
    name: str  # the short commit, or "working tree"
    root: Path
    imports: str = ""  # autograder.__file__, once checked

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.root)}

    def labels(self, lab: str) -> dict[str, dict[str, float]]:
        """The expected points per part of each corpus notebook, from this version's tree."""
        path = self.root / CORPORA[lab].relative_to(ROOT).parent / "labels.json"
        return expected_parts(path) if path.is_file() else {}

    def check_imports(self) -> None:
        """Stops the script unless the CLI, a fork server and a cold student process of this
        version would all import this version's `autograder`."""
        found = subprocess.run(
            [sys.executable, "-c", WHERE],
            cwd=self.root,
            env=self.environment(),
            capture_output=True,
            text=True,
        )
        files = found.stdout.splitlines()
        package = self.root / "autograder"
        if found.returncode != 0 or len(files) != 3:
            tail = found.stderr[-LOG_TAIL:]
            raise SystemExit(f"{self.role} ({self.name}): `import autograder` failed\n{tail}")
        wrong = [f for f in files if not Path(f).resolve().is_relative_to(package.resolve())]
        if wrong:
            raise SystemExit(
                f"{self.role} ({self.name}) would import another autograder: {', '.join(wrong)}"
                f" (expected under {package})"
            )
        self.imports = files[0]

    def compile(self) -> None:
        """Writes the tree's bytecode (unmeasured), as a tree that has run before has it: a
        fresh worktree would otherwise pay for compiling in its first timed run."""
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(self.root / "autograder")],
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # a file the working tree has half-written is left for the grading to report


@contextlib.contextmanager
def base_tree(ref: str, work: Path) -> Iterator[Version]:
    """The commit `ref` checked out in a detached worktree under `work`, removed on exit."""
    git = ["git", "-C", str(ROOT)]
    resolved = subprocess.run(
        [*git, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if resolved.returncode != 0:
        raise SystemExit(f"--base {ref}: not a commit of {ROOT}")
    commit = resolved.stdout.strip()
    tree = work / "base"
    try:
        subprocess.run(
            [*git, "worktree", "add", "--detach", "--quiet", str(tree), commit],
            check=True,
            stdin=subprocess.DEVNULL,
        )
        yield Version("before", commit[:7], tree)
    finally:
        subprocess.run(
            [*git, "worktree", "remove", "--force", str(tree)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run([*git, "worktree", "prune"], stdin=subprocess.DEVNULL)


# -- the set and the gradings ---------------------------------------------------------------


@dataclass
class Grading:
    """One `autograder grade` of one lab's set by one version."""

    role: str
    repetition: int
    seconds: float
    returncode: int
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # notebook -> part
    tail: str = ""  # the end of its output, when it failed


def stop_command(process: subprocess.Popen) -> None:
    """Kills a command's process group and every process below it (student processes have
    sessions of their own)."""
    below: list[psutil.Process] = []
    with contextlib.suppress(psutil.Error):
        below = psutil.Process(process.pid).children(recursive=True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    stop_leftovers(below, grace=1.0)


def grade(
    version: Version, lab: str, folder: Path, names: list[str], work: Path, workers: int, rep: int
) -> Grading:
    out = work / f"out-{lab}-{version.role}-{rep}"
    log = work / f"grade-{lab}-{version.role}-{rep}.log"
    command = [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(out)]
    command += ["--workers", str(workers), "--force", "--lab", lab]
    with open(log, "wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=version.root,
            env=version.environment(),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C is this script's to handle; stopped by group
        )
        try:
            returncode = process.wait()
            seconds = time.monotonic() - started
        finally:
            if process.poll() is None:
                stop_command(process)
    graded = Grading(version.role, rep, seconds, returncode)
    if returncode != 0:
        graded.tail = log.read_text(errors="replace")[-LOG_TAIL:]
    for name in names:
        path = out / f"{name}.json"
        if path.is_file():
            graded.scores[name] = part_scores(json.loads(path.read_text()))
    return graded


def grade_lab(
    versions: tuple[Version, Version], lab: str, count: int, args, work: Path
) -> tuple[list[str], list[Grading]]:
    picked = sample(CORPORA[lab], count, first=REFERENCE)
    names = [path.stem for path in picked]
    folder = work / f"submissions-{lab}"
    folder.mkdir()
    for path in picked:
        shutil.copy(path, folder / path.name)
    runs = []
    for rep in range(1, args.repeat + 1):
        for version in versions if rep % 2 == 1 else versions[::-1]:
            step(f"{lab}, run {rep}: {version.role} ({version.name}), {len(names)} notebook(s)")
            run = grade(version, lab, folder, names, work, args.workers, rep)
            if run.returncode != 0:
                step(f"{lab}: {version.role} exited with {run.returncode}")
            runs.append(run)
    return names, runs


# -- report --------------------------------------------------------------------------------


def same(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) < 1e-6 for k in a)


def points(scores: dict[str, float] | None) -> str:
    return "-" if scores is None else f"{sum(scores.values()):g}"


def changes(a: dict[str, float] | None, b: dict[str, float] | None) -> str:
    """The parts whose points differ: `part before→after`."""
    if a is None or b is None:
        return "no result " + ("before" if b else "after" if a else "from either")
    parts = [
        f"{part} {a.get(part, 0):g}→{b.get(part, 0):g}"
        for part in sorted(a.keys() | b.keys())
        if abs(a.get(part, 0.0) - b.get(part, 0.0)) >= 1e-6
    ]
    return ", ".join(parts) or "same"


def relabelling(before: dict | None, after: dict | None) -> str:
    """How a notebook's labels changed between the trees: same, changed, new, gone, none."""
    if before == after:
        return "same" if before is not None else "none"
    return "new" if before is None else "gone" if after is None else "changed"


def speed(lab: str, names: list[str], runs: list[Grading], versions: tuple[Version, ...]) -> dict:
    """Prints and returns each version's seconds per submission, and after / before."""
    n = len(names)
    medians: dict[str, float | None] = {}
    print(f"\n{lab}: {n} notebook(s): {', '.join(names)}")
    print("| version | s/submission per run | median s/submission |\n|---|---|---|")
    for version in versions:
        mine = [run for run in runs if run.role == version.role]
        ok = [run.seconds / n for run in mine if run.returncode == 0]
        medians[version.role] = statistics.median(ok) if ok else None
        per_run = ", ".join(
            f"{r.seconds / n:.2f}" if r.returncode == 0 else f"failed ({r.returncode})"
            for r in mine
        )
        shown = f"{medians[version.role]:.2f}" if ok else "-"
        print(f"| {version.role} ({version.name}) | {per_run} | {shown} |")
    before, after = medians["before"], medians["after"]
    ratio = after / before if before and after else None
    print(f"after / before: {ratio:.3f}" if ratio else "after / before: n/a")
    for run in runs:
        if run.returncode != 0:
            print(f"\n{run.role}, run {run.repetition}, exited with {run.returncode}:\n{run.tail}")
    return {
        "runs": [
            {
                "version": r.role,
                "repetition": r.repetition,
                "seconds": r.seconds,
                "returncode": r.returncode,
            }
            for r in runs
        ],
        "median_seconds_per_submission": medians,
        "ratio_after_before": ratio,
    }


def verdicts(
    lab: str, names: list[str], runs: list[Grading], versions: tuple[Version, ...]
) -> dict:
    """Prints and returns the scores per part of both versions, notebook by notebook."""
    scores: dict[str, dict[str, dict[str, float]]] = {}
    varying: dict[str, list[str]] = {}
    for version in versions:
        ok = [run for run in runs if run.role == version.role and run.returncode == 0]
        scores[version.role] = ok[0].scores if ok else {}
        varying[version.role] = [
            name
            for name in names
            if any(not same(r.scores.get(name), ok[0].scores.get(name)) for r in ok[1:])
        ]
    labels = {version.role: version.labels(lab) for version in versions}

    def against_labels(role: str, name: str) -> str:
        expected, got = labels[role].get(name), scores[role].get(name)
        if expected is None or got is None:
            return "-"
        return "ok" if all(abs(got.get(p, 0.0) - v) < 1e-6 for p, v in expected.items()) else "DIFF"

    print("\n| notebook | before | after | parts before→after | vs own labels b/a | labels |")
    print("|---|---|---|---|---|---|")
    both = bool(scores["before"] and scores["after"])
    rows, differ = {}, []
    for name in names:
        b, a = scores["before"].get(name), scores["after"].get(name)
        if both and not same(b, a):
            differ.append(name)
        rows[name] = {
            "before": b,
            "after": a,
            "before_vs_labels": against_labels("before", name),
            "after_vs_labels": against_labels("after", name),
            "labels": relabelling(labels["before"].get(name), labels["after"].get(name)),
        }
        row = rows[name]
        print(
            f"| {name} | {points(b)} | {points(a)} | {changes(b, a)} |"
            f" {row['before_vs_labels']}/{row['after_vs_labels']} | {row['labels']} |"
        )
    if both:
        print(
            f"scores differ: {', '.join(differ)}" if differ else f"scores identical ({len(names)})"
        )
    for role, varied in varying.items():
        if varied:
            print(f"{role}: later runs scored otherwise than the first: {', '.join(varied)}")
    return {"scores": rows, "scores_differ": differ if both else None, "runs_disagree": varying}


# -- main ----------------------------------------------------------------------------------


# -- the probes alone: the student's process's own work, without the CLI around it -----------

# tf_intro's probes as its hidden checks ask for them, on valid_reference, in one process of
# the version: after the notebook's cells, each probe's best time of 3. Prints JSON.
PROBE_FLOOR = """
import contextlib, io, json, os, sys, time
os.environ.update(TF_USE_LEGACY_KERAS="1", CUDA_VISIBLE_DEVICES="-1", TF_CPP_MIN_LOG_LEVEL="2")
from autograder.labs.tf_intro import probes
from autograder.notebook import load_notebook
from autograder.sandbox.cells import otter_stub
sys.modules["otter"] = otter_stub()
probes.before_student_code(False)
namespace = {"__name__": "__main__"}
with contextlib.redirect_stdout(io.StringIO()):
    for cell in load_notebook(open(sys.argv[1], "rb").read()).cells:
        exec(compile(cell.python, "cell", "exec"), namespace)
runs = {
    "train_step_run 1000 steps": lambda: probes.train_step_run(namespace, 0.0, 1000, 25),
    "train_step_run 3 x 25 steps": lambda: [
        probes.train_step_run(namespace, s, 25, 25) for s in (-3.0, 2.5, 12.0)
    ],
    "training_run x 3": lambda: [
        probes.training_run(namespace, c, 0.5) for c in ([1, -10, 25], [2, -4, 1], [0.5, 3, 2])
    ],
}
best = {}
for _ in range(3):
    for name, run in runs.items():
        start = time.perf_counter()
        run()
        best[name] = min(best.get(name, 1e9), time.perf_counter() - start)
print(json.dumps(best))
"""


def probe_floor(versions: tuple[Version, ...], repeat: int) -> dict:
    """Each version's probes timed in its own process, the versions alternating."""
    notebook = str(CORPORA["tf_intro"] / "valid_reference.ipynb")
    best: dict[str, dict[str, float]] = {version.role: {} for version in versions}
    for index in range(repeat):
        for version in versions if index % 2 == 0 else versions[::-1]:
            step(f"probes alone, run {index + 1}: {version.role} ({version.name})")
            done = subprocess.run(
                [sys.executable, "-c", PROBE_FLOOR, notebook],
                cwd=version.root,
                env=version.environment(),
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                print(done.stderr[-LOG_TAIL:])
                continue
            for name, seconds in json.loads(done.stdout.splitlines()[-1]).items():
                best[version.role][name] = min(best[version.role].get(name, 1e9), seconds)
    print("\ntf_intro's probes alone (valid_reference, best of runs, seconds)")
    print("| probe | before | after | after/before |\n|---|---|---|---|")
    for name, seconds in best["after"].items():
        before = best["before"].get(name)
        shown, ratio = (f"{before:.3f}", f"{seconds / before:.3f}") if before else ("-", "n/a")
        print(f"| {name} | {shown} | {seconds:.3f} | {ratio} |")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="commit of the before version (HEAD)")
    parser.add_argument("--submissions", type=int, default=6, help="per lab (default 6)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each version (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="grade --workers (default 2)")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args()
    if args.submissions < 1 or args.repeat < 1 or args.workers < 1:
        parser.error("--submissions, --repeat and --workers must be at least 1")
    exit_on_sigterm()
    report: dict = {"workers": args.workers, "repeat": args.repeat, "labs": {}}
    with (
        tempfile.TemporaryDirectory(prefix="bench-versions-") as tmp,
        base_tree(args.base, Path(tmp)) as before,
    ):
        work = Path(tmp)
        versions = (before, Version("after", "working tree", ROOT))
        for version in versions:
            version.check_imports()
            print(
                f"{version.role} ({version.name}): autograder from {version.imports};"
                " fork server and cold student process: the same"
            )
            report[version.role] = {"name": version.name, "autograder": version.imports}
            version.compile()
        report["before"]["ref"] = args.base
        step("warm-up import of TensorFlow (not measured)")
        warm_up()
        report["probes_alone"] = probe_floor(versions, args.repeat)
        for lab in CORPORA:
            names, runs = grade_lab(versions, lab, args.submissions, args, work)
            report["labs"][lab] = {
                "names": names,
                **speed(lab, names, runs, versions),
                **verdicts(lab, names, runs, versions),
            }
        step("done; removing the worktree and the temporary folder")
    print("\n| lab | n | before s/sub | after s/sub | after/before | scores differ |")
    print("|---|---|---|---|---|---|")
    for lab, data in report["labs"].items():
        medians, ratio = data["median_seconds_per_submission"], data["ratio_after_before"]
        shown = [f"{medians[role]:.2f}" if medians[role] else "failed" for role in medians]
        differ = (
            "n/a" if data["scores_differ"] is None else ", ".join(data["scores_differ"]) or "none"
        )
        print(
            f"| {lab} | {len(data['names'])} | {shown[0]} | {shown[1]} |"
            f" {f'{ratio:.3f}' if ratio else 'n/a'} | {differ} |"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    interruptible(main)
