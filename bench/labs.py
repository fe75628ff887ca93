"""Grading time per lab, side by side in one run: per submission, per part, per cell.

Usage (from the repository root):

    .venv/bin/python -m bench.labs [--submissions N] [--workers W]

For each built-in lab with a labelled corpus, the same kind of set: N notebooks (default 12)
taken round robin over its valid / mistake / game / untouched cases, each kind in name
order. Each set is graded by `autograder grade --lab LAB --workers W --force` (W default 2)
into a fresh folder, and timed from outside (CLI and fork-server start-up included). From
the results it reports, per submission on average:

- grading: the result's execution_time (the student's process: cells, probes, checks);
- cells: the notebook's own code cells, as they ran in the sandbox;
- each part: the seconds of that part's hidden checks, including the probes they asked
  for first (a probe's answer is cached per submission: the check that asks first pays).

The last lines compare the labs: the ratio of each lab's wall time per submission to the
first lab's, measured in the same run.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CORPORA, cell_seconds, sample


def grade(lab: str, notebooks: list[Path], workers: int) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{lab}-") as tmp:
        folder, out = Path(tmp) / "in", Path(tmp) / "out"
        folder.mkdir()
        for notebook in notebooks:
            (folder / notebook.name).write_bytes(notebook.read_bytes())
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(out),
             "--lab", lab, "--workers", str(workers), "--force"],
            check=True, capture_output=True,
        )  # fmt: skip
        wall = time.monotonic() - started
        return wall, [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]


def per_submission(results: list[dict]) -> dict[str, float]:
    figures = {
        "grading": statistics.mean(r["execution_time"] for r in results),
        "cells": statistics.mean(cell_seconds(r) for r in results),
    }
    parts: dict[str, list[float]] = {}
    for result in results:
        spent: dict[str, float] = {}
        for test in result["tests"]:
            for tag in test.get("tags", []):
                seconds = (test.get("extra_data") or {}).get("seconds", 0.0)
                spent[tag] = spent.get(tag, 0.0) + seconds
        for tag, seconds in spent.items():
            parts.setdefault(tag, []).append(seconds)
    figures.update({f"part {tag}": statistics.mean(values) for tag, values in parts.items()})
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    walls = {}
    for lab, folder in CORPORA.items():
        notebooks = sample(folder, args.submissions)
        wall, results = grade(lab, notebooks, args.workers)
        walls[lab] = wall / len(notebooks)
        print(f"\n{lab}: {len(notebooks)} submissions, --workers {args.workers}:"
              f" {wall:.1f} s wall, {walls[lab]:.2f} s per submission")  # fmt: skip
        print("| per submission, mean | seconds |\n|---|---|")
        for name, seconds in per_submission(results).items():
            print(f"| {name} | {seconds:.2f} |")
    first = next(iter(walls))
    print()
    for lab, seconds in walls.items():
        print(f"{lab}: {seconds:.2f} s per submission, {seconds / walls[first]:.2f}x {first}")


if __name__ == "__main__":
    main()
