"""Each student's feedback page shows their own scores and messages, and nothing runs in it.

The gradebooks are filled through their API with hand-made results, as the class report's
tests do: grading real notebooks would add minutes and nothing the pages read. The Canvas
class: Ada (all but one check), Bob (marked LATE by Canvas: one day, 10% of 10 points),
Carol whose roster name, file name, cell error, printed output, skipped line and check
message are hostile HTML, Dan whose file came from outside Canvas, Frank's anonymous
entry (claimed through a mapping row) and Erin, who never submitted. The Moodle class:
Ada in Moodle's folder form, Bob in its flat form, Dan from outside Moodle.
"""

import csv
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.gradebook import Gradebook
from autograder.labs.tf_intro import LAB
from autograder.results import SubmissionResult, TestResult
from autograder.submission import Submission
from tests.conftest import read_page

SCRIPT = "<script>alert(1)</script><script>window.pwned = 1</script>"
IMAGE = "<img src=x onerror=alert(2)><img src=x onerror='window.pwned = 2'>"
HOSTILE = f"{SCRIPT}{IMAGE}"
IMAGE_FILE = "<img src=x onerror=alert(2)>.ipynb"  # a file name can't hold the "/" of </script>
LONG = "w=" + "9" * 300  # one unbroken token, wider than any phone
SECRET = "uid 1800032475"  # the grader's sandbox details: never for students

CANVAS_ROSTER = f"""Student,ID,SIS User ID,SIS Login ID,Section
Points Possible,,,,
"Lovelace, Ada",101,S1,ada,A
"Boole, Bob",102,S2,bob,A
"Cantor, Carol {SCRIPT}",103,S3,carol,A
"Descartes, Dan",104,S4,dan,A
"Euler, Erin",105,S5,erin,A
"Frege, Frank",106,S6,frank,A
"""

MOODLE_ROSTER = """Identifier,Full name,Email address,Status,Grade,Maximum Grade,\
Grade can be changed,Last modified (submission),Last modified (grade),Feedback comments
Participant 501,Ada Lovelace,ada@uni.edu,Submitted,,10,Yes,,,
Participant 502,Bob Boole,bob@uni.edu,Submitted,,10,Yes,,,
Participant 503,Dan Descartes,dan@uni.edu,Submitted,,10,Yes,,,
"""

LATE = ["--due", "2026-12-01T23:59", "--timezone", "America/New_York", "--penalty", "10%"]


def result(failed: dict[str, str], cells: list[dict] | None = None) -> SubmissionResult:
    """One visible check per part, failing with the given message, and one hidden check."""
    tests = [
        TestResult(
            f"{part}: behaves like the lab asks",
            0.0 if part in failed else points,
            points,
            "failed" if part in failed else "passed",
            output=failed.get(part, ""),
            tags=[part],
        )
        for part, points in LAB.parts.items()
    ]
    tests.append(TestResult("secret probe of w", 0.0, 0.0, "passed", "x", "hidden", ["minimize"]))
    cells = cells or [{"cell": 1, "status": "ok", "seconds": 0.1, "error": None, "notes": []}]
    return SubmissionResult(
        sum(test.score for test in tests),
        tests,
        output=f"Ran {len(cells)} code cells.",
        extra_data={"cells": cells, "sandbox": {"user": SECRET}},
    )


HOSTILE_CELLS = [
    {"cell": 1, "status": "ok", "seconds": 0.1, "error": None, "notes": []},
    {
        "cell": 2,
        "status": "error",
        "seconds": 0.2,
        "error": {"type": "ValueError", "message": HOSTILE, "where": "code cell 2, line 1"},
        "notes": [f"line 3: !echo {HOSTILE}"],  # a line of the student's code, not run
        "output": f"printed {HOSTILE}",
    },
    {
        "cell": 3,
        "status": "timeout",
        "seconds": 60.0,
        "error": {"type": "TimeLimitExceeded", "message": "cell ran over 60 s", "where": None},
        "notes": [],
    },
]


def fill(path: Path, records: list[tuple[Submission, SubmissionResult]]) -> Path:
    book = Gradebook.open(path)
    run = book.start_run(LAB, "v1", "grade class")
    for submission, graded in records:
        book.record(run, "v1", submission, graded, "")
    book.finish_run(run)
    book.close()
    return path


@pytest.fixture
def canvas_class(tmp_path) -> tuple[Path, Path, Path]:
    """The gradebook, its Canvas roster and a mapping row for Frank's anonymous entry."""
    download = tmp_path / "submissions.zip"
    anonymous = download / "anon_k3j4_9006_tf_intro.ipynb"
    records = [
        (
            Submission(
                download / "lovelaceada_101_9001_tf_intro.ipynb",
                "ada",
                b"{}",
                "a",
                student="canvas:101",
            ),  # fmt: skip
            result({"minimize": "w did not converge: 4.2"}),
        ),
        (
            Submission(
                download / "booleBob_LATE_102_9002_lab.ipynb",
                "bob",
                b"{}",
                "b",
                student="canvas:102",
                late=True,
            ),  # fmt: skip
            result({"minimize": "w did not converge", "trainable_variables": "no list"}),
        ),
        (
            Submission(
                download / f"cantorcarol_103_9003_{IMAGE_FILE}",
                "carol",
                b"{}",
                "c",
                student="canvas:103",
            ),  # fmt: skip
            result({"train_step": f"train_step printed {HOSTILE} {LONG}"}, HOSTILE_CELLS),
        ),
        (Submission(tmp_path / "mail" / "dan.ipynb", "dan", b"{}", "d"), result({})),
        (Submission(anonymous, "anon", b"{}", "f", student="canvas-anonymous:k3j4"), result({})),
    ]
    roster = tmp_path / "roster.csv"
    roster.write_text(CANVAS_ROSTER, encoding="utf-8")
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"submission,student\n{anonymous},frank\n", encoding="utf-8")
    return fill(tmp_path / "gradebook.sqlite", records), roster, mapping


@pytest.fixture
def moodle_class(tmp_path) -> tuple[Path, Path]:
    download = tmp_path / "moodle.zip"
    records = [
        (
            Submission(
                download / "Ada Lovelace_501_assignsubmission_file" / "tf_intro.ipynb",
                "ada",
                b"{}",
                "a",
                student="moodle-participant:501",
            ),  # fmt: skip
            result({"minimize": "w did not converge"}),
        ),
        (
            Submission(
                download / "Bob Boole_502_assignsubmission_file_lab.ipynb",
                "bob",
                b"{}",
                "b",
                student="moodle-participant:502",
            ),  # fmt: skip
            result({}),
        ),
        (Submission(tmp_path / "mail" / "dan@uni.edu.ipynb", "dan", b"{}", "d"), result({})),
    ]
    roster = tmp_path / "worksheet.csv"
    roster.write_text(MOODLE_ROSTER, encoding="utf-8")
    return fill(tmp_path / "gradebook.sqlite", records), roster


def run_feedback(*args: str) -> str:
    completed = CliRunner().invoke(main, ["feedback", *args])
    assert completed.exit_code == 0, completed.output
    return completed.output


CHECK = "{}: behaves like the lab asks"


def expected(student: str, file: str, raw: float, final: float, failed: set[str]) -> dict:
    stats = {"student": student, "file": file, "raw": f"{raw:g}", "final": f"{final:g}"}
    for part, points in LAB.parts.items():
        score = "0" if part in failed else f"{points:g}"
        stats[f"part:{part}"] = stats[f"check:{CHECK.format(part)}"] = score
    if raw != final:
        stats["penalty"] = f"{raw - final:g}"
    return stats


CANVAS_PAGES = {  # roster key -> what that student's page must show
    "canvas:101": expected(
        "Lovelace, Ada", "lovelaceada_101_9001_tf_intro.ipynb", 6, 6, {"minimize"}
    ),
    # Marked LATE by Canvas: one day at 10% of 10 points.
    "canvas:102": expected(
        "Boole, Bob", "booleBob_LATE_102_9002_lab.ipynb", 4, 3, {"minimize", "trainable_variables"}
    ),
    "canvas:103": expected(
        f"Cantor, Carol {SCRIPT}", f"cantorcarol_103_9003_{IMAGE_FILE}", 6, 6, {"train_step"}
    ),
    "canvas:104": expected("Descartes, Dan", "dan.ipynb", 10, 10, set()),
    "canvas:106": expected("Frege, Frank", "anon_k3j4_9006_tf_intro.ipynb", 10, 10, set()),
}


def test_html_writes_one_page_per_student_with_their_scores_and_an_index(canvas_class, tmp_path):
    gradebook, roster, mapping = canvas_class
    out = tmp_path / "pages"
    output = run_feedback("html", "--gradebook", str(gradebook), "--roster", str(roster),
                          "--out", str(out), "--map", str(mapping), *LATE)  # fmt: skip
    files = sorted(path.name for path in out.iterdir())
    assert files == ["canvas_101.html", "canvas_102.html", "canvas_103.html", "canvas_104.html",
                     "canvas_106.html", "index.html"]  # fmt: skip
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in files)
    for key, stats in CANVAS_PAGES.items():
        page = read_page((out / f"{key.replace(':', '_')}.html").read_text(encoding="utf-8"))
        assert {name: page.stats.get(name) for name in stats} == stats, key
        assert ("penalty" in page.stats) == ("penalty" in stats), key
    index = read_page((out / "index.html").read_text(encoding="utf-8"))
    assert sorted(index.links) == files[:-1]
    assert "No submission: Euler, Erin" in output
    assert "Wrote 5 feedback page(s)" in output


def test_a_page_shows_the_checks_messages_and_failed_cells_and_nothing_else(canvas_class, tmp_path):
    gradebook, roster, mapping = canvas_class
    out = tmp_path / "pages"
    run_feedback("html", "--gradebook", str(gradebook), "--roster", str(roster),
                 "--out", str(out), "--map", str(mapping))  # fmt: skip
    source = (out / "canvas_103.html").read_text(encoding="utf-8")
    page = read_page(source)
    text = "".join(page.text)
    for shown in (f"train_step printed {HOSTILE}", f"ValueError: {HOSTILE}",
                  f"printed {HOSTILE}", f"line 3: !echo {HOSTILE}", "Code cell 3: timeout",
                  "TimeLimitExceeded: cell ran over 60 s", "code cell 2, line 1"):  # fmt: skip
        assert shown in text
    assert "Code cell 1" not in text  # it ran cleanly
    assert "secret probe" not in text and SECRET not in text  # hidden check, sandbox details
    assert "1 further check(s) are not shown." in text
    assert "<script" not in source.lower() and "<img" not in source.lower()
    assert {"script", "img", "iframe", "link"}.isdisjoint(page.tags)
    ada = read_page((out / "canvas_101.html").read_text())
    assert "penalty" not in ada.stats  # Ada was on time


def test_in_a_browser_no_script_runs_and_hostile_text_reads_as_text(
    canvas_class, tmp_path, chromium_browser
):
    gradebook, roster, mapping = canvas_class
    out = tmp_path / "pages"
    run_feedback("html", "--gradebook", str(gradebook), "--roster", str(roster),
                 "--out", str(out), "--map", str(mapping))  # fmt: skip
    page_path = out / "canvas_103.html"
    dialogs: list[str] = []
    requests: list[str] = []
    page = chromium_browser.new_page(viewport={"width": 1000, "height": 800})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_path.as_uri(), wait_until="load")
    pwned = page.evaluate("window.pwned === undefined ? null : window.pwned")
    counts = page.evaluate("[document.scripts.length, document.images.length]")
    text = page.evaluate("document.body.innerText")
    shown = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('[data-stat]'))"
        ".map(e => [e.dataset.stat, e.textContent]))"
    )
    phone = chromium_browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(page_path.as_uri(), wait_until="load")
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    page.close()
    phone.close()
    assert dialogs == [] and pwned is None and counts == [0, 0]
    assert requests == [page_path.as_uri()]  # offline: the page asks for nothing else
    assert f"ValueError: {HOSTILE}" in text and f"printed {HOSTILE}" in text
    assert f"Cantor, Carol {SCRIPT}" in text and IMAGE_FILE in text
    stats = CANVAS_PAGES["canvas:103"]
    assert {name: shown.get(name) for name in stats} == stats
    assert overflow == 0  # a phone scrolls the page down, never sideways


def canvas_ids(name: str) -> tuple[str, str]:
    """What Canvas's re-upload reads: the first two all-digit "_" tokens of the name."""
    digits = [token for token in name.split("_") if token.isdigit()]
    return digits[0], digits[1]


def test_canvas_names_each_page_after_its_students_own_download_entry(canvas_class, tmp_path):
    gradebook, roster, mapping = canvas_class
    out = tmp_path / "feedback.zip"
    output = run_feedback("canvas", "--gradebook", str(gradebook), "--roster", str(roster),
                          "--out", str(out), "--map", str(mapping), *LATE)  # fmt: skip
    attachments = {"canvas:101": "9001", "canvas:102": "9002", "canvas:103": "9003"}
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        pages = {name: archive.read(name).decode("utf-8") for name in names}
    assert sorted(names) == [
        "booleBob_LATE_102_9002_feedback.html",
        "cantorcarol_103_9003_feedback.html",
        "lovelaceada_101_9001_feedback.html",
    ]
    for name, source in pages.items():
        user, attachment = canvas_ids(name)
        key = f"canvas:{user}"
        assert attachments[key] == attachment, name
        stats = CANVAS_PAGES[key]
        assert {k: read_page(source).stats.get(k) for k in stats} == stats, name
    assert "Skipped Descartes, Dan: dan.ipynb is not a file from a Canvas download" in output
    assert "Skipped Frege, Frank: anon_k3j4_9006_tf_intro.ipynb is an anonymous" in output
    assert "No submission: Euler, Erin" in output


def test_moodle_paths_carry_each_participant_id_and_the_feedback_plugin(moodle_class, tmp_path):
    gradebook, roster = moodle_class
    out = tmp_path / "feedback.zip"
    output = run_feedback("moodle", "--gradebook", str(gradebook), "--roster", str(roster),
                          "--out", str(out))  # fmt: skip
    with zipfile.ZipFile(out) as archive:
        pages = {name: read_page(archive.read(name).decode("utf-8")) for name in archive.namelist()}
    assert sorted(pages) == [
        "Ada Lovelace_501_assignfeedback_file_feedback.html",
        "Bob Boole_502_assignfeedback_file_feedback.html",
    ]
    owners = {"501": ("Ada Lovelace", "6"), "502": ("Bob Boole", "10")}
    for name, page in pages.items():
        # Moodle's import: the path split on "_" into at most five pieces.
        who, participant, plugin, kind, file = name.split("_", 4)
        assert (plugin, kind, file) == ("assignfeedback", "file", "feedback.html")
        assert (page.stats["student"], page.stats["final"]) == owners[participant]
        assert who == owners[participant][0]
    assert "Skipped Dan Descartes: dan@uni.edu.ipynb is not a file from a Moodle" in output


def test_blackboards_feedback_column_is_the_pages_scores_and_checks_as_escaped_html(
    canvas_class, tmp_path
):
    gradebook, roster, _ = canvas_class
    roster.write_text(  # the same class as a Grade Center download: Username is its key
        "Last Name,First Name,Username,Student ID,Last Access,Availability\n"
        f"Cantor,Carol {SCRIPT},carol,S3,,Yes\nBoole,Bob,bob,S2,,Yes\nEuler,Erin,erin,S5,,Yes\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.csv"
    mapping.write_text("submission,student\ncarol,carol\nbob,bob\n", encoding="utf-8")
    upload = tmp_path / "upload.csv"
    completed = CliRunner().invoke(main, [
        "export", "blackboard", "--gradebook", str(gradebook), "--roster", str(roster),
        "--map", str(mapping), "--assignment", "TF intro", "--assignment-id", "_55_1",
        "--out", str(upload), *LATE])  # fmt: skip
    assert completed.exit_code == 0, completed.output
    with upload.open(newline="", encoding="utf-8") as file:
        rows = {row["Username"]: row for row in csv.DictReader(file)}
    carol = rows["carol"]["Feedback to Learner"]
    assert rows["carol"]["Feedback Format"] == "HTML"
    fragment = read_page(carol)
    assert fragment.stats["check:" + CHECK.format("train_step")] == "0"
    assert f"train_step printed {HOSTILE}" in "".join(fragment.text)
    assert "<script" not in carol.lower() and "<img" not in carol.lower()
    assert {"script", "img", "html", "style"}.isdisjoint(fragment.tags)  # a fragment, inert
    assert SECRET not in carol and "secret probe" not in carol
    bob = read_page(rows["bob"]["Feedback to Learner"])  # Canvas marked him LATE
    assert (bob.stats["raw"], bob.stats["penalty"], bob.stats["final"]) == ("4", "1", "3")
    assert rows["erin"]["Feedback to Learner"] == "<p>No submission.</p>"
    assert rows["bob"]["Grading Notes"] == "Graded from booleBob_LATE_102_9002_lab.ipynb."


def test_blackboard_pages_go_one_folder_per_username(canvas_class, tmp_path):
    gradebook, roster, _ = canvas_class
    roster.write_text(
        "Last Name,First Name,Username,Student ID,Last Access,Availability\n"
        "Boole,Bob,bob,S2,,Yes\nDescartes,Dan,../dan,S4,,Yes\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.csv"
    mapping.write_text("submission,student\nbob,bob\ndan,S4\n", encoding="utf-8")
    out = tmp_path / "pages"
    output = run_feedback("blackboard", "--gradebook", str(gradebook), "--roster", str(roster),
                          "--map", str(mapping), "--out", str(out), *LATE)  # fmt: skip
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.html")) == ["bob/feedback.html"]
    page = read_page((out / "bob" / "feedback.html").read_text(encoding="utf-8"))
    assert page.stats["student"] == "Bob Boole" and page.stats["final"] == "3"
    assert "Skipped Dan Descartes: the Username '../dan' is not a folder name" in output
    assert not (tmp_path / "dan").exists()
