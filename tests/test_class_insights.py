"""What the class report tells an instructor to re-teach: failures grouped by cause (not by
their numbers), statistics per check with flags, plots whose labels read whole, and the
checks' statistics as CSV. Hand-made results in a real gradebook, as test_class_report."""

import csv
import math
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from matplotlib.backends.backend_agg import FigureCanvasAgg

from autograder.cli import main
from autograder.gradebook import Gradebook
from autograder.labs.tf_intro import LAB
from autograder.pages.causes import cause_of, masked
from autograder.pages.check_statistics import check_statistics, point_biserial
from autograder.pages.class_report import build_class_report, pass_rate_figure
from autograder.results import SubmissionResult, TestResult
from tests.test_class_report import read_page_file, submission

# Three students miss the same step for the same reason, each with their own hidden numbers;
# two raise the same error with different messages; one gets the lab's hint.
STEP = "After one call of train_step() from w = {}, w was {}; expected {}"
FAILURES = {
    "ada": {"train_step": STEP.format(-11.756, 0.2, 0.1)},
    "bob": {"train_step": STEP.format(3.5, -7.25, 1e-06)},
    "cy": {"train_step": STEP.format(0, 12, 3.125)},
    "dee": {"minimize": "training(x=[2.08, -20.75, 22.32], ...) raised TypeError: 'int' object"
            " is not iterable (code cell 4, line 3, in training)"},
    "eve": {"minimize": "training(x=[1.5, 3], ...) raised TypeError: unsupported operand"},
    "fay": {"trainable_variables": "train_step() raised NameError: name 'w' is not defined."
            " Hint: A name is used before any cell defines it; run the cells in order"},
    "gus": {},
}  # fmt: skip


def result(failed: dict[str, str]) -> SubmissionResult:
    tests = [
        TestResult(part, 0.0 if part in failed else points, points,
                   "failed" if part in failed else "passed", failed.get(part, ""), tags=[part])
        for part, points in LAB.parts.items()
    ]  # fmt: skip
    return SubmissionResult(sum(t.score for t in tests), tests, output="Ran 4 code cells.")


@pytest.fixture
def gradebook(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    book = Gradebook.open(path)
    run = book.start_run(LAB, "v1", "grade")
    for name, failed in FAILURES.items():
        book.record(run, "v1", submission(tmp_path / "class", name), result(failed), "")
    book.finish_run(run)
    book.close()
    return path


def test_failures_that_share_a_cause_but_not_their_numbers_are_one_group(gradebook):
    book = Gradebook.open(gradebook)
    report = build_class_report(book)
    book.close()
    groups = {
        tuple((check, cause.label()) for check, cause in group.causes): group.submissions
        for group in report.causes
    }
    assert len(groups) == 3
    step = (("train_step", masked(FAILURES["ada"]["train_step"])),)
    assert groups[step] == ["ada", "bob", "cy"]
    assert groups[(("minimize", "the code raised TypeError"),)] == ["dee", "eve"]
    hint = "hint: A name is used before any cell defines it; run the cells in order"
    assert groups[(("trainable_variables", hint),)] == ["fay"]
    assert report.causes[0].count == 3 and report.causes[0].points_lost == 4
    (train_step,) = [s for s in report.parts if s.part == "train_step"]
    assert (train_step.lost, train_step.graded) == (3, 7)


def test_a_cause_is_the_message_without_its_numbers_or_quoted_values():
    assert masked("layer 2, Conv2D, should have filters=32, not filters=16") == (
        "layer #, Conv2D, should have filters=#, not filters=#"
    )
    assert masked("x=[2.08, -20.75, 22.32] and shape (8, 8, 1), got 'abc'") == (
        "x=[#…] and shape [#…], got …"
    )
    assert masked("The notebook's model") == "The notebook's model"  # an apostrophe, no quote
    assert cause_of("did not finish within the 30 s time limit").label() == "a time limit"


def test_the_page_shows_the_groups_and_the_summary_per_part(gradebook, tmp_path):
    out = tmp_path / "report"
    completed = CliRunner().invoke(
        main, ["report", "--gradebook", str(gradebook), "--out", str(out)]
    )
    assert completed.exit_code == 0, completed.output
    reader = read_page_file(out / "index.html")
    assert reader.stats["cause:0"] == "3"
    assert reader.stats["part-lost:train_step"] == "43%"  # 3 of 7
    text = "".join(reader.text)
    assert "the code raised TypeError: 2" in text  # the lecture's line for minimize


def test_point_biserial_is_the_textbook_value():
    # Pass/fail against the rest of the score: passers 8, 9, 10; failers 2, 3.
    passed, rest = [True, True, True, False, False], [8.0, 9.0, 10.0, 2.0, 3.0]
    mean, spread = sum(rest) / 5, math.sqrt(sum((r - 6.4) ** 2 for r in rest) / 5)
    expected = (9.0 - 2.5) / spread * math.sqrt(0.6 * 0.4)
    assert mean == 6.4 and point_biserial(passed, rest) == pytest.approx(expected)
    assert point_biserial([True, True], [1.0, 2.0]) is None  # nobody failed: undefined


def test_checks_are_flagged_with_what_the_flag_usually_means(tmp_path):
    def graded(train_step: bool, trainable: bool, minimize: bool) -> SubmissionResult:
        verdicts = {"train_step": train_step, "trainable_variables": trainable,
                    "minimize": minimize}  # fmt: skip
        failed = {part: "wrong" for part, ok in verdicts.items() if not ok}
        return result(failed)

    # trainable_variables: passed by the weak, failed by the strong; minimize: by nobody;
    # train_step: by everybody.
    results = [graded(True, False, False), graded(True, False, False),
               graded(True, True, False), graded(True, True, False)]  # fmt: skip
    stats = {s.name: s for s in check_statistics(results)}
    assert stats["train_step"].flags == ["everybody passes"]
    assert stats["minimize"].flags == ["nobody passes"]
    weak_pass = [graded(True, True, False), graded(False, True, False),
                 graded(True, False, True), graded(True, False, True)]  # fmt: skip
    flagged = {s.name: s for s in check_statistics(weak_pass)}["trainable_variables"]
    assert flagged.discrimination < 0 and "negative discrimination" in flagged.flags


def test_the_statistics_go_to_csv_to_keep_across_terms(gradebook, tmp_path):
    table = tmp_path / "checks.csv"
    arguments = ["report", "--gradebook", str(gradebook), "--out", str(tmp_path / "report")]
    completed = CliRunner().invoke(main, [*arguments, "--csv", str(table)])
    assert completed.exit_code == 0, completed.output
    rows = {row["check"]: row for row in csv.DictReader(table.open())}
    assert sorted(rows) == sorted(LAB.parts)
    assert (rows["train_step"]["checked"], rows["train_step"]["passed"]) == ("7", "4")
    assert rows["train_step"]["lab"] == "tf_intro"
    # Here the three who miss train_step pass everything else, and those who pass it miss
    # more elsewhere: the check's discrimination is negative, and flagged so.
    assert float(rows["train_step"]["discrimination"]) < 0
    assert rows["train_step"]["flags"] == "negative discrimination"
    assert float(rows["train_step"]["mean_points"]) == pytest.approx(4 * 4 / 7, abs=1e-4)


def test_long_check_names_are_drawn_whole_inside_the_plot():
    long = "a check whose name goes on and on " * 4
    checks = [SimpleNamespace(name=f"{n}: {long}", pass_rate=0.5) for n in range(6)]
    figure = pass_rate_figure(checks)
    FigureCanvasAgg(figure).draw()
    renderer = figure.canvas.get_renderer()
    labels = figure.axes[0].get_yticklabels()
    assert len(labels) == 6 and all("…" in label.get_text() for label in labels)
    for text in [*labels, figure.axes[0].xaxis.label]:
        extent = text.get_window_extent(renderer)
        inside = figure.bbox
        assert inside.x0 <= extent.x0 and extent.x1 <= inside.x1, text.get_text()
        assert inside.y0 <= extent.y0 and extent.y1 <= inside.y1, text.get_text()
