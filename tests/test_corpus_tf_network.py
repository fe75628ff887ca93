"""The tf_network corpus: every submission earns what a fair instructor would give, per part."""

import json

import pytest

from tests.conftest import (
    ROOT,
    assert_verdict_matches,
    check_class_report_of_corpus,
    grade_folder,
    part_scores,
)

CORPUS = ROOT / "tests" / "corpus_tf_network"
LABELS = json.loads((CORPUS / "labels.json").read_text())
CASES = sorted(LABELS["cases"])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    # One command over the whole folder, as an instructor would run it.
    out = tmp_path_factory.mktemp("out")
    return out, grade_folder(CORPUS / "notebooks", out, "--lab", "tf_network")


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


def test_hard_coding_the_notebook_earns_at_most_15_percent_of_each_part(corpus_results):
    got = part_scores(corpus_results["game_hardcoded_notebook_values"])
    for part, points in LABELS["points"].items():
        if part != "initialize_parameters":  # no input to hard-code: its answer is fixed
            assert got[part] <= 0.15 * points + 1e-9, part


def test_a_mistake_costs_points_only_in_its_own_part(corpus_results):
    for name, case in LABELS["cases"].items():
        if name.startswith("mistake_"):
            lost = [p for p, v in case["expected"].items() if v < LABELS["points"][p]]
            assert len(lost) == 1, name


def test_feedback_names_the_likely_mistake(corpus_results):
    def failures(name):
        return " ".join(t["output"] for t in corpus_results[name]["tests"])

    assert "without the ReLUs" in failures("mistake_forward_missing_relu")
    assert "mean over the examples" in failures("mistake_loss_mean")
    assert "from_logits=True" in failures("mistake_loss_from_probabilities")
    assert "seed=1" in failures("mistake_initializer_unseeded")


def test_the_class_report_groups_the_failures_by_cause_in_a_few_dozen_rows(graded):
    check_class_report_of_corpus(*graded)
