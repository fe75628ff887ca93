"""The labelled corpus: every submission earns what a fair instructor would give, per part."""

import json

import pytest

from tests.conftest import CORPUS, grade_folder, part_scores

LABELS = json.loads((CORPUS / "labels.json").read_text())
CASES = sorted(LABELS["cases"])


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory):
    # One command over the whole folder, on every core, as an instructor would run it.
    return grade_folder(
        CORPUS / "notebooks", tmp_path_factory.mktemp("out"), "--cell-timeout", "15"
    )


def test_corpus_is_big_enough_and_covers_every_kind():
    assert len(CASES) >= 25
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
