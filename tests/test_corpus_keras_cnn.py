"""The keras_cnn corpus: every submission earns what a fair instructor would give, per part."""

import json

import pytest

from tests.conftest import ROOT, grade_folder, part_scores

CORPUS = ROOT / "tests" / "corpus_keras_cnn"
LABELS = json.loads((CORPUS / "labels.json").read_text())
CASES = sorted(LABELS["cases"])


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory):
    # One command over the whole folder, as an instructor would run it.
    return grade_folder(CORPUS / "notebooks", tmp_path_factory.mktemp("out"), "--lab", "keras_cnn")


def test_corpus_is_big_enough_and_covers_every_kind():
    assert len(CASES) >= 30
    for kind in ("valid_", "mistake_", "game_", "untouched"):
        assert any(name.startswith(kind) for name in CASES), kind


def test_every_notebook_has_a_result(corpus_results):
    assert sorted(corpus_results) == CASES


@pytest.mark.parametrize("name", CASES)
def test_verdict_matches_label(corpus_results, name):
    result = corpus_results[name]
    expected = LABELS["cases"][name]["expected"]
    got = part_scores(result)
    failures = {t["name"]: t["output"] for t in result["tests"] if t["status"] == "failed"}
    assert got == pytest.approx(expected), json.dumps(failures, indent=1, ensure_ascii=False)
    assert result["score"] == pytest.approx(sum(expected.values()))


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
