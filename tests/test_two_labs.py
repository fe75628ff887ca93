"""One gradebook, two labs: every command that reads it works on one lab's rows.

The same three students handed in both labs (the same file names, the same identities), so
a command that mixed the labs' rows would count a student twice or show the other lab's
score. Each lab's scores differ, so whichever lab a page shows can be told apart.
"""

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.gradebook import Gradebook
from autograder.lab import get_lab
from autograder.results import SubmissionResult, TestResult
from autograder.review.app import create_app
from autograder.submission import Submission
from tests.conftest import read_page

INTRO, NETWORK = get_lab("tf_intro"), get_lab("tf_network")
# student -> (tf_intro score, tf_network score)
SCORES = {"canvas:101": (10.0, 3.0), "canvas:102": (4.0, 9.0), "canvas:103": (7.0, 10.0)}
ROSTER = "id,name,email,canvas_id\nS1,Ada Lovelace,ada@x.org,101\nS2,Alan Turing,alan@x.org,102\n"
ROSTER += "S3,Grace Hopper,grace@x.org,103\n"


def result_for(lab, score: float) -> SubmissionResult:
    """A result of `lab` worth `score`: its parts filled in order."""
    tests, left = [], score
    for part, points in lab.parts.items():
        got = min(points, left)
        left -= got
        status = "passed" if got == points else "failed"
        tests.append(TestResult(f"{part}: check", got, float(points), status, tags=[part]))
    return SubmissionResult(score=score, tests=tests, output="Ran every code cell.")


@pytest.fixture(scope="module")
def two_labs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("two_labs")
    book = Gradebook.open(folder / "gradebook.sqlite")
    for index, lab in enumerate((INTRO, NETWORK)):
        run = book.start_run(lab, f"v{index}", "grade")
        for student, scores in SCORES.items():
            user = student.partition(":")[2]
            source = folder / lab.name / f"student_{user}_1_{lab.notebook_name}"
            submission = Submission(source, f"student_{user}", b"{}", f"{lab.name}-{user}",
                                    student=student)  # fmt: skip
            book.record(run, f"v{index}", submission, result_for(lab, scores[index]), "")
        book.finish_run(run)
    book.close()
    (folder / "roster.csv").write_text(ROSTER)
    return folder


def cli(*args: str):
    return CliRunner().invoke(main, [str(arg) for arg in args])


@pytest.mark.parametrize("index, lab", [(0, INTRO), (1, NETWORK)])
def test_each_lab_exports_its_own_scores_and_parts(two_labs, tmp_path, index, lab):
    out = tmp_path / "grades.csv"
    done = cli("export", "csv", "--gradebook", two_labs / "gradebook.sqlite", "--roster",
               two_labs / "roster.csv", "--out", out, "--lab", lab.name)  # fmt: skip
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(SCORES)
    assert {row["student"]: float(row["total"]) for row in rows} == {
        f"canvas:{student.partition(':')[2]}": scores[index] for student, scores in SCORES.items()
    }
    assert all(part in rows[0] for part in lab.parts)
    other = NETWORK if lab is INTRO else INTRO
    assert not any(part in rows[0] for part in other.parts)
    assert "Unmatched" not in done.output and "newer file" not in done.output


def test_a_command_on_two_labs_without_lab_names_both_and_writes_nothing(two_labs, tmp_path):
    book = two_labs / "gradebook.sqlite"
    for args in (
        ["export", "csv", "--roster", two_labs / "roster.csv", "--out", tmp_path / "g.csv"],
        ["feedback", "html", "--roster", two_labs / "roster.csv", "--out", tmp_path / "pages"],
        ["report", "--out", tmp_path / "report"],
    ):
        done = cli(*args, "--gradebook", book)
        assert done.exit_code != 0
        assert "several labs" in done.output and "tf_intro" in done.output
        assert "tf_network" in done.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("index, lab", [(0, INTRO), (1, NETWORK)])
def test_each_lab_has_its_own_feedback_pages(two_labs, tmp_path, index, lab):
    out = tmp_path / "pages"
    done = cli("feedback", "html", "--gradebook", two_labs / "gradebook.sqlite", "--roster",
               two_labs / "roster.csv", "--out", out, "--lab", lab.name)  # fmt: skip
    assert done.exit_code == 0, done.output
    for student, scores in SCORES.items():
        page = read_page((out / f"canvas_{student.partition(':')[2]}.html").read_text())
        assert float(page.stats["final"]) == scores[index]
        assert set(key.removeprefix("part:") for key in page.stats if key.startswith("part:")) == (
            set(lab.parts)
        )


@pytest.mark.parametrize("index, lab", [(0, INTRO), (1, NETWORK)])
def test_each_lab_has_its_own_class_report(two_labs, tmp_path, index, lab):
    out = tmp_path / "report"
    done = cli("report", "--gradebook", two_labs / "gradebook.sqlite", "--out", out,
               "--lab", lab.name)  # fmt: skip
    assert done.exit_code == 0, done.output
    page = read_page((out / "index.html").read_text())
    assert page.stats["count:all"] == str(len(SCORES))
    mean = sum(scores[index] for scores in SCORES.values()) / len(SCORES)
    assert float(page.stats["score:mean"]) == pytest.approx(mean, abs=1e-3)
    assert {
        key.removeprefix("part-mean:") for key in page.stats if key.startswith("part-mean:")
    } == (set(lab.parts))
    assert lab.title in "".join(page.text)


def test_the_review_page_shows_each_lab_on_its_own(two_labs):
    client = create_app(two_labs / "gradebook.sqlite", "t" * 20, "Prof").test_client()
    assert client.get("/?token=" + "t" * 20).status_code == 303
    for index, lab in enumerate((INTRO, NETWORK)):
        page = client.get(f"/?lab={lab.reference}").text
        for part in lab.parts:
            assert part in page
        other = NETWORK if lab is INTRO else INTRO
        assert not any(part in page for part in other.parts)
        for student, scores in SCORES.items():
            student_page = client.get(f"/student?subject={student}&lab={lab.reference}").text
            assert re.search(rf">\s*{scores[index]:g}\s*/\s*{lab.max_score:g}", student_page)
