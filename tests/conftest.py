"""Shared helpers for the project's own tests."""

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from bench.hostile import zip_of  # noqa: F401 - the tests' zips, written as bench writes them

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "tf_intro" / "tf_intro.ipynb"
STUDENT = ROOT / "assignments" / "tf_intro" / "tf_intro.ipynb"
CORPUS = ROOT / "tests" / "corpus"


def notebook_bytes(*cells: str) -> bytes:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return nbformat.writes(notebook).encode()


def grade_folder(folder: Path, out: Path, *extra: str) -> dict[str, dict]:
    """Run the CLI as an instructor would; return each result file by stem."""
    completed = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return {path.stem: json.loads(path.read_text()) for path in sorted(out.glob("*.json"))}


def script_json(name: str):
    """Runs tests/scripts/<name> in a fresh interpreter (TensorFlow runs ops there, never in
    the test process, which forks later) and reads what it printed as JSON."""
    completed = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "scripts" / name)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


# `make test` runs the suite on pytest-xdist workers, each test file whole on one worker
# (`--dist loadfile`), so a module fixture grades its notebooks once. The files below take
# longest, slowest first (on a quiet 2-core machine, where they grade with the rest of the
# suite around them): they start first and the short files fill in around them, so none
# is left to start alone at the end. A file not named here starts after them.
SLOWEST_FILES = (
    "test_corpus.py",
    "test_corpus_tf_network.py",
    "test_corpus_keras_cnn.py",
    "test_cluster.py",
    "test_hostile_batch.py",
    "test_bundle.py",
    "test_lock.py",
    "test_batch.py",
    "test_faults_at_scale.py",
    "test_lms_round_trip.py",
    "test_student_side.py",
    "test_sandbox.py",
    "test_gradebook.py",
    "test_regrade.py",
    "test_grade.py",
    "test_review_browser.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest files first (xdist keeps this order with --no-loadscope-reorder)."""
    rank = {name: place for place, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def part_scores(result: dict) -> dict[str, float]:
    parts: dict[str, float] = {}
    for test in result["tests"]:
        for tag in test["tags"]:
            parts[tag] = parts.get(tag, 0.0) + test["score"]
    return parts


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def chromium_path() -> str | None:
    """The system's Chromium, which Playwright drives for pages that must open offline."""
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium_browser():
    """A headless Chromium for a test module; skipped where none is installed."""
    path = chromium_path()
    if path is None:
        pytest.skip("chromium not found on PATH: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


class PageReader(HTMLParser):
    """A generated page as a test reads it: its data-stat values, tags, images, links, text."""

    VOID = {"meta", "br", "img", "hr", "input", "link"}  # never closed, never enclose text

    def __init__(self) -> None:
        super().__init__()
        self.stats: dict[str, str] = {}
        self.tags: set[str] = set()
        self.images: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        self.tags.add(tag)
        if tag == "img":
            self.images.append(attributes["src"])
        if tag == "a":
            self.links.append(attributes["href"])
        if tag not in self.VOID:
            self._open.append((tag, attributes.get("data-stat")))

    def handle_endtag(self, tag) -> None:
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data) -> None:
        self.text.append(data)
        for _, key in self._open:
            if key is not None:
                self.stats[key] = self.stats.get(key, "") + data


def read_page(source: str) -> PageReader:
    reader = PageReader()
    reader.feed(source)
    return reader


def check_class_report_of_corpus(out: Path, results: dict[str, dict]) -> None:
    """A graded corpus read as one class: its failures, each quoting hidden inputs, come to
    a few dozen causes; no cause carries a student's numbers; every check has statistics."""
    from autograder.gradebook import Gradebook
    from autograder.pages.class_report import build_class_report

    book = Gradebook.open(out / "gradebook.sqlite")
    try:
        report = build_class_report(book)
    finally:
        book.close()
    assert 0 < len(report.causes) <= 48
    labels = [cause.label() for group in report.causes for _, cause in group.causes]
    assert all(labels) and not [label for label in labels if re.search(r"\d\.\d", label)]
    assert {check.name for check in report.checks} == {
        test["name"] for result in results.values() for test in result["tests"]
        if not result["extra_data"].get("ungraded")
    }  # fmt: skip
    assert all(check.checked == len(report.graded) for check in report.checks)


def assert_verdict_matches(result: dict, expected: dict[str, float]) -> None:
    """A corpus notebook's result earns its label in every part, and the label's total;
    the failing checks' outputs say why when it does not."""
    got = part_scores(result)
    failures = {t["name"]: t["output"] for t in result["tests"] if t["status"] == "failed"}
    assert got == pytest.approx(expected), json.dumps(failures, indent=1, ensure_ascii=False)
    assert result["score"] == pytest.approx(sum(expected.values()))
