"""A class graded from a folder (JupyterHub, e-mail, a shared drive) has no roster: `export
csv` and `feedback html` still give one row and one page per graded submission, named by
the student intake found, else by the file; the LMS formats still ask for a roster."""

import csv

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.gradebook import Gradebook
from autograder.labs.tf_intro import LAB
from tests.test_class_insights import result
from tests.test_class_report import read_page_file, submission


@pytest.fixture
def gradebook(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    book = Gradebook.open(path)
    run = book.start_run(LAB, "v1", "grade")
    folder = tmp_path / "class"
    records = [
        (submission(folder, "ada_lab1"), result({})),
        (submission(folder, "bob <em>x"), result({"minimize": "w did not converge"})),
        # one student's two files, as intake named them: the newer one counts
        (submission(folder, "old", student="canvas:101", superseded_by="new"), result({})),
        (submission(folder, "new", student="canvas:101"), result({"train_step": "wrong"})),
    ]
    for entry, graded in records:
        book.record(run, "v1", entry, graded, "")
    book.finish_run(run)
    book.close()
    return path


def run(*arguments: str, ok: bool = True):
    completed = CliRunner().invoke(main, list(arguments))
    assert (completed.exit_code == 0) == ok, completed.output
    return completed


def test_export_csv_gives_a_row_per_graded_submission(gradebook, tmp_path):
    out = tmp_path / "grades.csv"
    run("export", "csv", "--gradebook", str(gradebook), "--out", str(out))
    rows = {row["name"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert sorted(rows) == ["ada_lab1", "bob <em>x", "canvas:101"]
    assert [rows[name]["total"] for name in sorted(rows)] == ["10", "6", "6"]
    assert rows["canvas:101"]["submission"].endswith("new.ipynb")  # the newest file counts


def test_feedback_html_gives_a_page_per_graded_submission(gradebook, tmp_path):
    out = tmp_path / "pages"
    completed = run("feedback", "html", "--gradebook", str(gradebook), "--out", str(out))
    assert "Wrote 3 feedback page(s)" in completed.output
    pages = sorted(path.name for path in out.glob("*.html") if path.name != "index.html")
    assert len(pages) == 3
    index = read_page_file(out / "index.html")
    assert "bob <em>x" in "".join(index.text) and "em" not in index.tags  # text, not markup


def test_lms_formats_still_need_a_roster(gradebook, tmp_path):
    completed = run("export", "canvas", "--gradebook", str(gradebook), "--out",
                    str(tmp_path / "c.csv"), ok=False)  # fmt: skip
    assert "export canvas needs --roster" in completed.output
    mapping = tmp_path / "map.csv"
    mapping.write_text("submission,student\nold,S1\n")
    completed = run("export", "csv", "--gradebook", str(gradebook), "--out",
                    str(tmp_path / "g.csv"), "--map", str(mapping), ok=False)  # fmt: skip
    assert "--map needs --roster" in completed.output
    assert not (tmp_path / "c.csv").exists() and not (tmp_path / "g.csv").exists()
