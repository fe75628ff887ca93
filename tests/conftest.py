"""Shared helpers for the project's own tests."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

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
