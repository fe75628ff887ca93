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
