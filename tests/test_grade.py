"""Grading whole notebooks through the CLI, as an instructor does."""

import shutil

import pytest

from autograder.labs.tf_intro import LAB
from tests.conftest import ROOT, SOLUTION, STUDENT, grade_folder, part_scores

GRADESCOPE_TEST_FIELDS = {"name", "score", "max_score", "status", "output", "visibility", "tags"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    shutil.copy(SOLUTION, folder / "solution.ipynb")
    shutil.copy(STUDENT, folder / "untouched.ipynb")
    shutil.copy(ROOT / "examples" / "submissions" / "otter_export_valid_lambda.zip", folder)
    (folder / "empty.ipynb").write_bytes(b"")
    (folder / "truncated.ipynb").write_bytes(SOLUTION.read_bytes()[:500])
    return grade_folder(folder, tmp_path_factory.mktemp("out"), "--cell-timeout", "20")


def test_one_result_file_per_submission(graded):
    assert sorted(graded) == [
        "empty",
        "otter_export_valid_lambda",
        "solution",
        "truncated",
        "untouched",
    ]


def test_the_solution_notebook_scores_full_marks(graded):
    result = graded["solution"]
    failed = [(t["name"], t["output"]) for t in result["tests"] if t["status"] != "passed"]
    assert failed == []
    assert result["score"] == LAB.max_score == 10


def test_an_otter_export_zip_is_graded_from_the_notebook_inside(graded):
    assert graded["otter_export_valid_lambda"]["score"] == LAB.max_score


# The notebook as handed out: train_step's lines are `...`, training returns w untouched.
# Per check (found by words from its name), what its output must tell that student is missing.
UNTOUCHED_REASONS = {
    "one step from w = 0": ("w did not change", "train_step must call optimizer.apply_gradients"),
    "1000 steps from w = 0": ("w was 0;", "the minimum of J(w) is at w = 5"),
    "other starting points": ("w did not change", "train_step must call optimizer.apply_gradients"),
    "gradient handed to the optimizer": ("handed no gradient to optimizer.apply_gradients",),
    "come from tf.GradientTape": ("never called tape.gradient", "tf.GradientTape"),
    "notebook's own w": ("no (gradient, variable) pair reached optimizer.apply_gradients",),
    "variables to differentiate": ("write trainable_variables = [w]",),
    "trains the w it is given": ("w was 0;", "It did not move", "never called an optimizer"),
    "other coefficients": ("It did not move", "never called an optimizer"),
    "exactly 1000 updates": (
        "never used the optimizer it was given",
        "call optimizer.minimize(cost_fn, [w])",
    ),
    "receives the gradient": ("passed no gradients to the optimizer it was given",),
}


def reasons_missing(tests: list[dict]) -> dict[str, str]:
    """Each check whose output lacks what UNTOUCHED_REASONS expects, with that output."""
    missing = {}
    for test in tests:
        rows = [words for words in UNTOUCHED_REASONS if words in test["name"]]
        assert len(rows) == 1, f"{test['name']!r} matches {rows} in UNTOUCHED_REASONS"
        if not all(phrase in test["output"] for phrase in UNTOUCHED_REASONS[rows[0]]):
            missing[test["name"]] = test["output"]
    return missing


def test_the_untouched_student_notebook_scores_zero(graded):
    result = graded["untouched"]
    assert result["score"] == 0
    assert part_scores(result) == {"train_step": 0, "trainable_variables": 0, "minimize": 0}
    assert all(t["status"] == "failed" and t["score"] == 0 for t in result["tests"])


def test_the_untouched_notebook_is_told_what_each_check_found_missing(graded):
    tests = graded["untouched"]["tests"]
    names = {words for test in tests for words in UNTOUCHED_REASONS if words in test["name"]}
    assert names == set(UNTOUCHED_REASONS)  # every check ran, and no expectation is idle
    assert reasons_missing(tests) == {}


def test_results_follow_the_gradescope_schema_with_a_part_tag_per_test(graded):
    for result in graded.values():
        assert {"score", "tests", "output", "execution_time"} <= set(result)
        for test in result["tests"]:
            assert GRADESCOPE_TEST_FIELDS <= set(test)
            assert test["status"] in ("passed", "failed")
            assert len(test["tags"]) == 1 and test["tags"][0] in LAB.parts
        assert sum(t["max_score"] for t in result["tests"]) == LAB.max_score


def test_unreadable_files_are_scored_zero_with_a_reason(graded):
    assert graded["empty"]["score"] == 0
    assert "the file is empty" in graded["empty"]["output"]
    assert "invalid JSON" in graded["truncated"]["output"]
    assert all(t["status"] == "failed" for t in graded["truncated"]["tests"])


def test_failed_checks_explain_without_showing_hidden_check_source(graded):
    source = "\n".join(path.read_text() for path in LAB.checks_dir.glob("*.py"))
    fragments = {line.strip() for line in source.splitlines() if len(line.strip()) > 25}
    for test in graded["untouched"]["tests"]:
        assert test["output"], test["name"]
        assert not any(fragment in test["output"] for fragment in fragments)
        assert "Traceback" not in test["output"] and "check_" not in test["output"]


def test_a_canvas_download_zip_is_graded_per_student_and_older_files_superseded(tmp_path):
    import json
    import zipfile

    corpus = ROOT / "tests" / "corpus" / "notebooks"
    labels = json.loads((ROOT / "tests" / "corpus" / "labels.json").read_text())["cases"]
    files = {
        "doejane_101_5001_tf_intro.ipynb": "untouched_student",  # superseded below
        "doejane_101_5002_tf_intro.ipynb": "mistake_scaled_cost",
        "smithbob_late_102_5003_tf_intro.ipynb": "valid_lambda",
    }
    download = tmp_path / "in" / "submissions.zip"
    download.parent.mkdir()
    with zipfile.ZipFile(download, "w") as archive:
        for name, case in files.items():
            archive.write(corpus / f"{case}.ipynb", name)
    graded = grade_folder(download.parent, tmp_path / "out", "--cell-timeout", "20")
    assert sorted(graded) == sorted(name.removesuffix(".ipynb") for name in files)
    old = graded["doejane_101_5001_tf_intro"]
    assert old["score"] == 0 and "superseded by doejane_101_5002_tf_intro" in old["output"]
    for name, case in list(files.items())[1:]:
        result = graded[name.removesuffix(".ipynb")]
        assert part_scores(result) == labels[case]["expected"]
        assert result["extra_data"]["submission"]["student"].startswith("canvas:")
    assert graded["smithbob_late_102_5003_tf_intro"]["extra_data"]["submission"]["late"]
