"""The class report shows the gradebook's numbers, and nothing a student wrote runs in it.

The gradebook is filled through its own API with hand-made results: grading real
notebooks would add minutes and nothing the report reads. The class: Ada, graded twice
(the second run counts), Bob late with a hostile failure message, a file whose name is
hostile HTML, Carol's empty file, Dan's file the grader failed on, and Erin's two files,
the older superseded. Frank, on the roster, never submits. Two exports bracket Ada's
regrade, so the second one has a change to show.
"""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.exports.options import ExportOptions
from autograder.exports.run import export
from autograder.gradebook import Gradebook
from autograder.labs.tf_intro import LAB
from autograder.late import parse_policy
from autograder.results import SubmissionResult, TestResult
from autograder.roster import load_roster
from autograder.submission import Submission
from tests.conftest import PageReader, read_page

SCRIPT = "<script>alert(1)</script><script>window.pwned = 1</script>"
IMAGE = "<img src=x onerror=alert(2)><img src=x onerror='window.pwned = 2'>"
HOSTILE = f"{SCRIPT}{IMAGE}"

ROSTER = """id,name,email,username
S1,Ada Lovelace,ada@uni.edu,ada
S2,Bob Boole,bob@uni.edu,bob
S3,Carol Cantor,carol@uni.edu,carol
S4,Erin Euler,erin@uni.edu,erin
S5,Frank Frege,frank@uni.edu,frank
"""

POLICY = parse_policy("2026-12-01T23:59", "America/New_York", "0", "10%", None)

PLOTS = {"scores.png", "parts.png", "checks.png", "times.png"}


def result(
    passed: dict[str, bool], messages: dict[str, str] | None = None, seconds: float = 3.0
) -> SubmissionResult:
    """One check per part, worth the part's points when it passes."""
    tests = [
        TestResult(
            part,
            points if passed[part] else 0.0,
            points,
            "passed" if passed[part] else "failed",
            output="" if passed[part] else (messages or {}).get(part, f"{part} is wrong"),
            tags=[part],
        )
        for part, points in LAB.parts.items()
    ]
    score = sum(test.score for test in tests)
    return SubmissionResult(score, tests, output="Ran 4 code cells.", execution_time=seconds)


def ungraded(reason: str, **extra) -> SubmissionResult:
    tests = [
        TestResult(f"{part}: not graded", 0.0, points, "failed", reason, tags=[part])
        for part, points in LAB.parts.items()
    ]
    return SubmissionResult(0.0, tests, reason, extra_data={"ungraded": True, **extra})


ALL = dict.fromkeys(LAB.parts, True)


def submission(folder: Path, name: str, **fields) -> Submission:
    return Submission(folder / f"{name}.ipynb", name, b"{}", f"sha-{name}", **fields)


@pytest.fixture
def gradebook(tmp_path) -> Path:
    folder = tmp_path / "class"
    path = tmp_path / "gradebook.sqlite"
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    students = load_roster(roster)
    book = Gradebook.open(path)
    run = book.start_run(LAB, "v1", "grade class")
    ada = submission(folder, "ada")
    records = [
        (ada, result({**ALL, "minimize": False}, {"minimize": "w did not converge: 4.2"})),
        (
            submission(folder, "bob", submitted_at="2026-12-03T10:00:00-05:00"),
            result(
                {**ALL, "minimize": False, "trainable_variables": False},
                {"minimize": "w did not converge: 3.9", "trainable_variables": HOSTILE},
                seconds=7.5,
            ),
        ),
        (
            Submission(folder / SCRIPT / f"{IMAGE}.ipynb", IMAGE, b"{}", "sha-hostile"),
            result({**ALL, "train_step": False}, {"train_step": f"{HOSTILE}\nsecond line"}),
        ),
        (submission(folder, "carol"), ungraded("Not graded: the file is empty.")),
        (
            submission(folder, "dan"),
            ungraded("Not graded: the grader failed on this submission.", grader_failure=True),
        ),
        (submission(folder, "erin_old", superseded_by="erin"), ungraded("Not graded: superseded")),
        (submission(folder, "erin"), result(ALL, seconds=1.5)),
    ]
    for entry, graded in records:
        book.record(run, "v1", entry, graded, "")
    book.finish_run(run)
    options = ExportOptions("Lab 1")
    export("csv", book, students, LAB.parts, tmp_path / "first.csv", options, policy=POLICY)
    regrade = book.start_run(LAB, "v1", "grade class")
    book.record(regrade, "v1", ada, result(ALL, seconds=2.0), "")  # Ada's notebook, regraded
    book.finish_run(regrade)
    export("csv", book, students, LAB.parts, tmp_path / "second.csv", options, policy=POLICY)
    book.close()
    return path


def read_page_file(page: Path) -> PageReader:
    return read_page(page.read_text(encoding="utf-8"))


def expected_stats(path: Path) -> dict[str, str]:
    """What the page must show, read straight from the gradebook's tables."""
    book = Gradebook.open(path)
    rows = book.current_submissions()
    statuses = {}
    for row in rows:
        extra = json.loads(row["result_json"])["extra_data"]
        statuses[row["source_path"]] = (
            "superseded"
            if row["superseded_by"]
            else "grader failure"
            if extra.get("grader_failure")
            else "graded"
            if row["gradable"]
            else "not gradable"
        )
    graded_ids = [row["id"] for row in rows if statuses[row["source_path"]] == "graded"]
    expected = {
        "count:all": str(len(rows)),
        **{f"score:{row['source_path']}": f"{row['score']:.4g}" for row in rows},
    }
    for status in ("graded", "not gradable", "grader failure", "superseded"):
        expected[f"count:{status}"] = str(list(statuses.values()).count(status))
    marks = ",".join("?" * len(graded_ids))
    for name, passed, total in book.connection.execute(
        f"SELECT name, sum(status = 'passed'), count(*) FROM checks"
        f" WHERE submission_id IN ({marks}) GROUP BY name",
        graded_ids,
    ):
        expected[f"passed:{name}"] = str(passed)
        expected[f"checked:{name}"] = str(total)
    latest = book.connection.execute("SELECT max(id) FROM exports").fetchone()[0]
    grades = book.connection.execute(
        "SELECT status, reason FROM exported_grades WHERE export_id = ?", (latest,)
    ).fetchall()
    expected["export:missing"] = str(sum(status == "missing" for status, _ in grades))
    expected["export:late"] = str(sum(reason.startswith("Late:") for _, reason in grades))
    book.close()
    return expected


def write_report(gradebook: Path, out: Path) -> Path:
    completed = CliRunner().invoke(
        main, ["report", "--gradebook", str(gradebook), "--out", str(out)]
    )
    assert completed.exit_code == 0, completed.output
    assert completed.output.strip() == f"Wrote {out / 'index.html'}"
    return out / "index.html"


def test_the_page_shows_the_gradebooks_numbers(gradebook, tmp_path):
    page = write_report(gradebook, tmp_path / "report")
    shown = read_page_file(page).stats
    expected = expected_stats(gradebook)
    assert {key: shown.get(key) for key in expected} == expected
    # The facts of this class, so a shared mistake in both readings can't pass unseen.
    assert shown["count:all"] == "7"  # Ada's two runs count once
    assert [shown[f"count:{s}"] for s in ("graded", "not gradable", "grader failure")] == [
        "4",
        "1",
        "1",
    ]
    assert shown["count:superseded"] == "1"
    assert shown[f"score:{tmp_path / 'class' / 'ada.ipynb'}"] == "10"  # the regrade counts
    assert shown["passed:minimize"] == "3"  # Ada (regraded), Erin and the hostile file
    assert shown["score:mean"] == "7.5"  # (10 + 4 + 6 + 10) / 4: ungraded files left out
    assert (shown["export:late"], shown["export:missing"]) == ("1", "1")  # Bob; Frank
    assert shown["export:changed"] == "1"
    assert "Changed: Ada Lovelace (id:S1) 6 -> 10" in "".join(read_page_file(page).text)


def test_failures_are_grouped_by_check_and_cause_with_who_got_them(gradebook, tmp_path):
    reader = read_page_file(write_report(gradebook, tmp_path / "report"))
    text = "".join(reader.text)
    # Ada's failure is gone with her regrade; Bob's two and the hostile file's one are
    # three checks' failures, each its own group (tests/test_class_insights.py groups more)
    assert [reader.stats[f"cause:{index}"] for index in range(3)] == ["1", "1", "1"]
    assert "cause:3" not in reader.stats
    assert "w did not converge: 3.9" in text and HOSTILE in text
    assert "second line" not in text  # one line of each failure, as its example


def test_student_controlled_text_is_shown_as_text_never_as_markup(gradebook, tmp_path):
    page = write_report(gradebook, tmp_path / "report")
    source = page.read_text(encoding="utf-8")
    reader = read_page_file(page)
    assert "<script" not in source.lower()
    assert "<img src=x" not in source
    assert "script" not in reader.tags
    assert set(reader.images) == PLOTS
    text = "".join(reader.text)
    assert HOSTILE in text and IMAGE in text  # the file name and the message, readable


def test_without_exports_the_page_says_so(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    book = Gradebook.open(path)
    run = book.start_run(LAB, "v1", "grade")
    book.record(run, "v1", submission(tmp_path, "ada"), result(ALL), "")
    book.close()
    reader = read_page_file(write_report(path, tmp_path / "report"))
    assert "export:none" in reader.stats
    assert "export:late" not in reader.stats
    assert all((tmp_path / "report" / plot).stat().st_size > 0 for plot in PLOTS)


def test_a_gradebook_without_runs_is_refused(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    Gradebook.open(path).close()
    completed = CliRunner().invoke(main, ["report", "--gradebook", str(path), "--out", "x"])
    assert completed.exit_code == 1
    assert "no grading runs" in completed.output


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    chromium() is None, reason="chromium not found on PATH: apt-get install chromium (.ci/run does)"
)
def test_a_browser_shows_the_page_offline_with_every_plot_and_no_payload(gradebook, tmp_path):
    from playwright.sync_api import sync_playwright

    page_path = write_report(gradebook, tmp_path / "report")
    expected = expected_stats(gradebook)
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(page_path.as_uri(), wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth])"
            )
            pwned = page.evaluate("window.pwned === undefined ? null : window.pwned")
            shown = page.evaluate(
                "Object.fromEntries(Array.from(document.querySelectorAll('[data-stat]'))"
                ".map(e => [e.dataset.stat, e.textContent]))"
            )
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(page_path.as_uri(), wait_until="load")
            overflow = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
        finally:
            browser.close()
    assert dialogs == [] and pwned is None  # no student script ran, no alert opened
    assert sorted(src for src, _ in images) == sorted(PLOTS)
    assert all(width > 0 for _, width in images), images
    assert {key: shown.get(key) for key in expected} == expected
    assert overflow == 0  # a phone scrolls the page down, never sideways
    assert (tmp_path / "report.png").stat().st_size > 0
