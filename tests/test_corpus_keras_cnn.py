"""The keras_cnn corpus: every submission earns what a fair instructor would give, per part."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, assert_verdict_matches, grade_folder, part_scores

CORPUS = ROOT / "tests" / "corpus_keras_cnn"
LABELS = json.loads((CORPUS / "labels.json").read_text())
CASES = sorted(LABELS["cases"])


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, dict]:
    # One command over the whole folder, as an instructor would run it.
    out = tmp_path_factory.mktemp("out")
    return out, grade_folder(CORPUS / "notebooks", out, "--lab", "keras_cnn")


@pytest.fixture(scope="module")
def corpus_results(graded):
    return graded[1]


def test_corpus_is_big_enough_and_covers_every_kind():
    assert len(CASES) >= 30
    for kind in ("valid_", "mistake_", "game_", "untouched"):
        assert any(name.startswith(kind) for name in CASES), kind


def test_every_notebook_has_a_result(corpus_results):
    assert sorted(corpus_results) == CASES


@pytest.mark.parametrize("name", CASES)
def test_verdict_matches_label(corpus_results, name):
    assert_verdict_matches(corpus_results[name], LABELS["cases"][name]["expected"])


def test_untouched_earns_nothing(corpus_results):
    assert corpus_results["untouched"]["score"] == 0
    assert all(value == 0 for value in part_scores(corpus_results["untouched"]).values())


def test_valid_cases_earn_full_marks_by_label():
    for name, case in LABELS["cases"].items():
        if name.startswith("valid_"):
            assert case["expected"] == LABELS["points"], name


def test_a_mistake_costs_points_only_in_its_own_part():
    for name, case in LABELS["cases"].items():
        if name.startswith("mistake_"):
            lost = [p for p, v in case["expected"].items() if v < LABELS["points"][p]]
            assert len(lost) == 1, name


def test_feedback_names_the_layer_that_differs(corpus_results):
    def failures(name):
        return " ".join(t["output"] for t in corpus_results[name]["tests"])

    assert "filters=32, not filters=16" in failures("mistake_happy_16_filters")
    assert "padding='same', not padding='valid'" in failures("mistake_conv_first_conv_valid")
    assert "Activation('softmax')" in failures("mistake_conv_no_softmax")
    assert "binary cross-entropy (not from logits)" in failures("mistake_happy_from_logits")


def test_its_gradebook_exports_and_reports_per_part(graded, tmp_path):
    """The lab's parts reach the grade file and the class report like any lab's."""
    out, _ = graded
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nvalid_reference,A,a@x.org\nuntouched,B,b@x.org\n")

    def cli(*args: str) -> None:
        command = [sys.executable, "-m", "autograder.cli", *args]
        subprocess.run(command, check=True, capture_output=True, text=True)

    gradebook = str(out / "gradebook.sqlite")
    cli("export", "csv", "--gradebook", gradebook, "--roster", str(roster),
        "--out", str(tmp_path / "grades.csv"))  # fmt: skip
    with (tmp_path / "grades.csv").open() as grades:
        rows = {row["student"]: row for row in csv.DictReader(grades)}
    assert (rows["id:valid_reference"]["happy_model"], rows["id:untouched"]["total"]) == ("4", "0")
    assert rows["id:valid_reference"]["convolutional_model"] == "6"
    cli("report", "--gradebook", gradebook, "--out", str(tmp_path / "report"))
    page = (tmp_path / "report" / "index.html").read_text()
    assert "happy_model" in page and "convolutional_model" in page
