"""The mapping file (`export --map`): submissions claimed by file path or by SHA-256.

The instructor's way: grade a folder, export, read which submissions nobody claims, write a
mapping for them, export again. Paths and hashes are the ones intake stored for real files;
the grades are recorded directly, since only who gets which grade is at stake here.
"""

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.gradebook import Gradebook
from autograder.intake import discover
from autograder.labs.tf_intro import LAB
from tests.conftest import notebook_bytes
from tests.test_exports import PLAIN_ROSTER, result

UNMATCHED = "Unmatched submission (no roster student): "
# Files that name nobody on the roster; Ada's folder is named after her username
FILES = {
    "subs/ada/tf_intro.ipynb": ("a = 1", 5.0),
    "subs/anon_1.ipynb": ("b = 2", 6.0),
    "subs/anon_2.ipynb": ("c = 3", 7.0),
}


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """A course folder with its submissions, roster and gradebook, as `grade subs` leaves it."""
    monkeypatch.chdir(tmp_path)  # intake stores paths as the instructor typed them
    for name, (code, _) in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(notebook_bytes(code))
    (tmp_path / "roster.csv").write_text(PLAIN_ROSTER)
    book = Gradebook.open(tmp_path / "gradebook.sqlite")
    run = book.start_run(LAB, "v1", "grade subs")
    scores = {name: score for name, (_, score) in FILES.items()}
    for submission in discover(Path("subs")):
        book.record(run, "v1", submission, result(scores[str(submission.source)]), "")
    book.close()
    return tmp_path


def export(course: Path, mapping: list[tuple[str, str]] | None = None):
    """`autograder export csv` run in the course folder: its printed summary and its rows."""
    command = [sys.executable, "-m", "autograder.cli", "export", "csv"]
    command += ["--gradebook", "gradebook.sqlite", "--roster", "roster.csv", "--out", "out.csv"]
    if mapping is not None:
        lines = ["submission,student", *(f"{key},{student}" for key, student in mapping)]
        (course / "map.csv").write_text("\n".join(lines) + "\n")
        command += ["--map", "map.csv"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=course)
    assert completed.returncode == 0, completed.stderr
    with (course / "out.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    return completed.stdout, rows


def graded(rows: list[dict]) -> dict[str, tuple[str, str]]:
    """Each graded student's total and the file it came from."""
    return {r["name"]: (r["total"], r["submission"]) for r in rows if r["status"] == "graded"}


def unmatched_paths(summary: str) -> list[str]:
    return sorted(
        line.removeprefix(UNMATCHED) for line in summary.splitlines() if UNMATCHED in line
    )


def test_without_a_mapping_the_anonymous_files_are_listed_unmatched(course):
    summary, rows = export(course)
    assert unmatched_paths(summary) == ["subs/anon_1.ipynb", "subs/anon_2.ipynb"]
    assert graded(rows) == {"Ada Lovelace": ("5", "subs/ada/tf_intro.ipynb")}


def test_a_mapping_by_file_path_claims_a_submission_that_names_nobody(course):
    summary, rows = export(course, [("subs/anon_1.ipynb", "le@uni.edu")])  # as listed unmatched
    assert graded(rows)["Leonhard Euler"] == ("6", "subs/anon_1.ipynb")
    assert unmatched_paths(summary) == ["subs/anon_2.ipynb"]


def test_a_mapping_by_sha256_claims_a_submission_that_names_nobody(course):
    digest = hashlib.sha256(Path("subs/anon_2.ipynb").read_bytes()).hexdigest()  # as sha256sum
    summary, rows = export(course, [(digest, "pfermat")])
    assert graded(rows)["Pierre Fermat"] == ("7", "subs/anon_2.ipynb")
    assert unmatched_paths(summary) == ["subs/anon_1.ipynb"]


def test_an_upper_case_sha256_claims_the_same_submission(course):
    digest = hashlib.sha256(Path("subs/anon_2.ipynb").read_bytes()).hexdigest().upper()
    summary, rows = export(course, [(digest, "pfermat")])  # as PowerShell's Get-FileHash
    assert graded(rows)["Pierre Fermat"] == ("7", "subs/anon_2.ipynb")
    assert "Not used" not in summary


def test_a_mapping_row_that_names_no_submission_is_reported(course):
    summary, rows = export(course, [("subs/anon_9.ipynb", "le@uni.edu")])
    assert "Not used: mapping row 'subs/anon_9.ipynb': no graded submission" in summary
    assert "Leonhard Euler" not in graded(rows)


def test_a_mapping_to_a_student_not_on_the_roster_leaves_the_file_unmatched(course):
    summary, rows = export(course, [("subs/anon_1.ipynb", "nobody@uni.edu")])
    assert "Not used: mapping row 'subs/anon_1.ipynb': 'nobody@uni.edu' is not on the roster" in (
        summary
    )
    assert unmatched_paths(summary) == ["subs/anon_1.ipynb", "subs/anon_2.ipynb"]
    unmatched = [row["submission"] for row in rows if row["status"] == "unmatched"]
    assert sorted(unmatched) == ["subs/anon_1.ipynb", "subs/anon_2.ipynb"]
    assert "Leonhard Euler" not in graded(rows) and "Pierre Fermat" not in graded(rows)
