"""The labelled corpus: every submission earns what a fair instructor would give, per part."""

import json

import pytest

from tests.conftest import (
    CORPUS,
    assert_verdict_matches,
    check_class_report_of_corpus,
    grade_folder,
)

LABELS = json.loads((CORPUS / "labels.json").read_text())
CASES = sorted(LABELS["cases"])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    # One command over the whole folder, on every core, as an instructor would run it.
    out = tmp_path_factory.mktemp("out")
    return out, grade_folder(CORPUS / "notebooks", out, "--cell-timeout", "15")


@pytest.fixture(scope="module")
def corpus_results(graded):
    return graded[1]


def test_corpus_is_big_enough_and_covers_every_kind():
    assert len(CASES) >= 25
    for kind in ("valid_", "mistake_", "game_", "untouched"):
        assert any(name.startswith(kind) for name in CASES), kind


def test_every_notebook_has_a_result(corpus_results):
    assert sorted(corpus_results) == CASES


@pytest.mark.parametrize("name", CASES)
def test_verdict_matches_label(corpus_results, name):
    assert_verdict_matches(corpus_results[name], LABELS["cases"][name]["expected"])


def test_a_lone_variable_earns_full_marks_with_the_list_form_as_a_tip(corpus_results):
    tests = corpus_results["valid_single_variable"]["tests"]
    tipped = [t for t in tests if "Tip:" in t["output"]]
    assert [t["tags"] for t in tipped] == [["trainable_variables"]]
    assert tipped[0]["status"] == "passed" and tipped[0]["score"] == tipped[0]["max_score"]
    assert "trainable_variables = [w]" in tipped[0]["output"]
    reference = corpus_results["valid_reference"]["tests"]
    assert not any("Tip:" in t["output"] for t in reference)


def test_the_class_report_groups_the_failures_by_cause_in_a_few_dozen_rows(graded):
    check_class_report_of_corpus(*graded)
