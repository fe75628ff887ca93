"""The Keras lab as students run it: its handout zip unzipped and executed in a real Jupyter
kernel, with the stubs and with the answers filled in; its public checks tell the stubs
apart from the solution, and what the solution exports grades 10/10."""

import asyncio
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.lab import get_lab
from tests.conftest import ROOT, grade_folder
from tests.test_student_side import (
    PASSED,
    _checks,
    _errors,
    _execute_all,
    _solved,
    _without_export,
    kernel_spec_from_the_venv,  # noqa: F401 - a fixture
)

LAB = "keras_cnn"
ZIP = ROOT / "assignments" / LAB / "handout" / f"{LAB}.zip"
NOTEBOOK = f"{LAB}.ipynb"
QUESTIONS = ("happy_model", "convolutional_model")


def _unzip(into: Path) -> Path:
    with zipfile.ZipFile(ZIP) as archive:
        archive.extractall(into)
    return into / LAB


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, kernel_spec_from_the_venv) -> dict:  # noqa: F811
    stubs = _unzip(tmp_path_factory.mktemp("stubs"))
    solution = _unzip(tmp_path_factory.mktemp("solution"))
    solved = _solved(nbformat.read(solution / NOTEBOOK, as_version=4), get_lab(LAB).solution)
    nbformat.write(solved, solution / NOTEBOOK)  # filled in and saved, then exported
    runs = {
        "stubs": (_without_export(nbformat.read(stubs / NOTEBOOK, as_version=4)), stubs),
        "solution": (nbformat.read(solution / NOTEBOOK, as_version=4), solution),
    }
    executed = asyncio.run(_execute_all(runs))
    return {label: (executed[label], folder) for label, (_, folder) in runs.items()}


def test_the_solution_runs_cleanly_and_passes_every_public_check(runs: dict) -> None:
    nb, _ = runs["solution"]
    assert [error for cell in nb.cells for error in _errors(cell)] == []
    shown = _checks(nb)
    for question in QUESTIONS:
        assert PASSED.format(question) in shown[question], shown[question]


def test_the_stubs_fail_every_public_check(runs: dict) -> None:
    nb, _ = runs["stubs"]
    shown = _checks(nb)
    assert sorted(shown) == sorted(QUESTIONS)
    for question in QUESTIONS:
        assert PASSED.format(question) not in shown[question]
        assert "failed" in shown[question].lower(), shown[question]


def test_what_the_solution_exports_grades_full_marks(runs: dict, tmp_path: Path) -> None:
    _, folder = runs["solution"]
    (export,) = folder.glob(f"{LAB}_*.zip")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "export.zip").write_bytes(export.read_bytes())
    results = grade_folder(submissions, tmp_path / "out")  # the lab read from the notebook
    assert results["export"]["score"] == 10, results["export"]
    assert results["export"]["extra_data"]["grader"]["lab"] == LAB
