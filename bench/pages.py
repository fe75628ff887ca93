"""How long the instructor's pages take on a large class: the class report, the review
page, a student's page and the CSV export.

Usage (from the repository root):

    .venv/bin/python -m bench.pages [--gradebook PATH | --rows N [--keep DIR]] [--repeat R]

With `--gradebook`, it reads that gradebook (a real one, e.g. from a scale run). Without
it, it builds one of N rows (default 10,000) in a temporary folder (`--keep DIR` builds it
there instead and leaves it, to measure again with `--gradebook DIR/gradebook.sqlite`).

The rows are replicated real results: SEEDS, eight tf_intro corpus notebooks whose labels
range from 0 to 10 points, and one file that is not JSON, are graded once with
`autograder.grading_run.grade_path` (about a minute on 2 cores); then their results are
recorded again and again through the gradebook's own API (`start_run`, `record`,
`finish_run`), each copy under a name, student identity, path and SHA-256 of its own, so
the gradebook holds N distinct submitted files. Of them, one in 50 is a student's older
file, superseded by the next one; one in 17 is marked late by its platform; every 400th
student gets a total set by `Gradebook.override`. The files themselves are not on disk
(a student's page says so instead of showing the code, as it does for a moved file).
The bench's own connection writes without fsync: the gradebook is thrown away.

What it times, each as the instructor meets it:

- `autograder report --gradebook G --out DIR`: the whole command in a fresh interpreter
  (start-up, reading, plots, index.html written), once;
- the review app's class view `/` (first page, a later page, a page filtered by a failing
  check and sorted by total), and a student's page, through Flask's test client in this
  process (the token exchanged for the cookie first, as a browser does): the median of R
  requests (default 3);
- `autograder export csv --gradebook G --out FILE` (no roster: one row per file), once.

It prints a table of seconds and of the size of the HTML (or CSV) written, in bytes.
"""

import argparse
import hashlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CORPUS, interruptible, step

# Labels 10, 9, 8.5, 7, 6, 4, 4 and 0 points: a spread of scores, failures and hints
SEEDS = (
    "valid_reference",
    "mistake_scaled_cost",
    "mistake_new_optimizer_in_train_step",
    "mistake_wrong_sign",
    "mistake_cost_outside_tape",
    "mistake_typo_zeras",
    "mistake_syntax_error",
    "untouched_student",
)
NOT_JSON = b"this file is not a notebook\n"  # not gradable: intake says why
SUPERSEDED_EVERY, LATE_EVERY, OVERRIDE_EVERY = 50, 17, 400
TOKEN = "bench-pages-token"


# -- building a gradebook ---------------------------------------------------------------------


def grade_seeds(folder: Path) -> list:
    """The seed notebooks graded once: [(Submission, SubmissionResult)], by name."""
    from autograder.grade import GradingOptions
    from autograder.grading_run import grade_path

    seeds = folder / "seeds"
    seeds.mkdir(parents=True)
    for stem in SEEDS:
        (seeds / f"{stem}.ipynb").write_bytes((CORPUS / f"{stem}.ipynb").read_bytes())
    (seeds / "broken_not_json.ipynb").write_bytes(NOT_JSON)
    step(f"grading {len(SEEDS) + 1} seed files once")
    run = grade_path(seeds, folder / "seed-results", GradingOptions(), workers=2,
                     gradebook_path=folder / "seeds.sqlite")  # fmt: skip
    return sorted(run.results, key=lambda graded: graded[0].name)


def replica(seed, number: int, folder: Path, suffix: str = "", **fields):
    """A seed's submission as the file of student `number` (`suffix`: another file of
    theirs): a name, path and SHA-256 of its own."""
    from dataclasses import replace

    name = f"s{number:05d}_{seed.name}{suffix}"
    sha256 = hashlib.sha256(f"{seed.sha256}:{name}".encode()).hexdigest()
    return replace(seed, source=folder / f"s{number:05d}" / f"{name}.ipynb", name=name,
                   sha256=sha256, student=f"canvas:{100000 + number}", **fields)  # fmt: skip


def build_gradebook(path: Path, seeds: list, rows: int) -> None:
    """`rows` submitted files, each a replicated seed result (see the module docstring)."""
    from autograder.gradebook import Gradebook, lab_version
    from autograder.lab import get_lab

    lab = get_lab("tf_intro")
    version = lab_version(lab)
    book = Gradebook.open(path)
    book.connection.execute("PRAGMA synchronous=OFF")  # a throwaway gradebook: no fsync
    step(f"recording {rows} replicated results")
    try:
        run = book.start_run(lab, version, "bench.pages")
        files = path.parent / "class"
        number = 0
        for index in range(rows):
            submission, result = seeds[index % len(seeds)]
            if index % SUPERSEDED_EVERY == SUPERSEDED_EVERY - 1 and index + 1 < rows:
                # this student's older file: the next row is their newer one
                newer = replica(submission, number, files).name
                older = replica(submission, number, files, "_old", superseded_by=newer)
                book.record(run, version, older, result, "")
                continue
            late = index % LATE_EVERY == 0
            book.record(run, version, replica(submission, number, files, late=late), result, "")
            number += 1
        book.finish_run(run)
        for student in range(0, number, OVERRIDE_EVERY):
            book.override(f"canvas:{100000 + student}", "total", 5.0, reason="bench: by hand",
                          author="bench", lab=lab.reference)  # fmt: skip
    finally:
        book.close()


# -- timing -----------------------------------------------------------------------------------


def timed_command(*arguments: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder.cli", *arguments], check=True,
                   capture_output=True)  # fmt: skip
    return time.monotonic() - started


def timed_get(client, url: str, repeat: int) -> tuple[float, int]:
    """The median seconds of `repeat` GETs of url, and the page's size in bytes."""
    seconds, size = [], 0
    for _ in range(repeat):
        started = time.monotonic()
        response = client.get(url)
        seconds.append(time.monotonic() - started)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
    return statistics.median(seconds), size


def review_urls(gradebook: Path) -> dict[str, str]:
    """What to open: the class's pages, and one student's, from the gradebook's own rows."""
    from urllib.parse import urlencode

    connection = sqlite3.connect(gradebook)
    try:
        subject, check = connection.execute(
            "SELECT COALESCE(s.student, s.source_path), c.name FROM submissions s"
            " JOIN checks c ON c.submission_id = s.id WHERE c.status != 'passed'"
            " AND s.gradable = 1 AND s.superseded_by IS NULL ORDER BY s.id LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    return {
        "review / (first page)": "/",
        "review / page 50": "/?page=50",
        "review / failing check, by total": "/?"
        + urlencode({"check": check, "sort": "total", "order": "desc", "page": 2}),
        "review student page": "/student?" + urlencode({"subject": subject}),
    }


def time_review(gradebook: Path, repeat: int) -> dict[str, tuple[float, int]]:
    from autograder.review.app import create_app

    client = create_app(gradebook, TOKEN, "bench").test_client()
    assert client.get(f"/?token={TOKEN}").status_code == 303  # the token becomes the cookie
    return {label: timed_get(client, url, repeat) for label, url in review_urls(gradebook).items()}


def measure(gradebook: Path, repeat: int) -> dict[str, tuple[float, int]]:
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-out-") as tmp:
        out = Path(tmp)
        step("autograder report")
        seconds = timed_command("report", "--gradebook", str(gradebook), "--out", str(out / "r"))
        figures["autograder report"] = (seconds, (out / "r" / "index.html").stat().st_size)
        step("review pages")
        figures.update(time_review(gradebook, repeat))
        step("autograder export csv")
        csv = out / "grades.csv"
        seconds = timed_command("export", "csv", "--gradebook", str(gradebook), "--out", str(csv))
        figures["autograder export csv"] = (seconds, csv.stat().st_size)
    return figures


def rows_in(gradebook: Path) -> int:
    connection = sqlite3.connect(gradebook)
    try:
        return connection.execute(
            "SELECT count(*) FROM submissions WHERE id IN"
            " (SELECT max(id) FROM submissions GROUP BY source_path)"
        ).fetchone()[0]
    finally:
        connection.close()


def report(figures: dict[str, tuple[float, int]], gradebook: Path) -> None:
    print(f"\n{rows_in(gradebook)} submitted files in {gradebook}\n")
    print("| page | seconds | bytes |\n|---|---|---|")
    for label, (seconds, size) in figures.items():
        print(f"| {label} | {seconds:.2f} | {size:,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gradebook", type=Path, help="a gradebook to read (else one is built)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows to build (default 10,000)")
    parser.add_argument("--keep", type=Path, help="build into this folder and leave it there")
    parser.add_argument("--repeat", type=int, default=3, help="requests per review page")
    args = parser.parse_args()
    if args.gradebook:
        report(measure(args.gradebook, args.repeat), args.gradebook)
        return
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        gradebook = folder / "gradebook.sqlite"
        build_gradebook(gradebook, grade_seeds(folder), args.rows)
        report(measure(gradebook, args.repeat), gradebook)


if __name__ == "__main__":
    interruptible(main)
