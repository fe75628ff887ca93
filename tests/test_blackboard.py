"""Blackboard Learn, as its files really are: the "Download Assignment" zip (an attempt's
files named "<assignment>_<username>_attempt_<stamp>_<file>" beside a receipt .txt), and
the Grade Center download (tab-delimited UTF-16 with a byte-order mark, or comma-delimited
UTF-8) as the roster.
"""

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from autograder.intake import discover
from autograder.lms.registry import entry_identity
from autograder.reading import load
from autograder.roster import load_roster
from autograder.student import RosterError
from tests.conftest import CORPUS, grade_folder, notebook_bytes

ASSIGNMENT = "TF intro_Lab 1"  # Blackboard keeps the assignment's spaces and underscores
COLUMN = "TF intro [Total Pts: 10 Score] |123456"
GRADE_CENTER_HEADER = [
    "Last Name", "First Name", "Username", "Student ID", "Last Access", "Availability",
    "Weighted Total [Total Pts: up to 0 Percentage] |123450", COLUMN,
]  # fmt: skip
# Last, first, username, student id (Blackboard leaves it blank when the school has none)
CLASS = [
    ("Lovelace", "Ada", "ada.lovelace", "S101"),
    ("Babbage", "Charles", "cbabbage", "S102"),
    ("Müller", "José", "jmuller", "S103"),
    ("김", "철수", "ckim-2", ""),
    ("Curie", "Marie", "mcurie", "S105"),
    ("Dijkstra", "Edsger", "edijkstra", "S106"),
]


def grade_center(delimiter: str) -> str:
    """The Grade Center download as Blackboard writes it: every field quoted, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(GRADE_CENTER_HEADER)
    for last, first, username, student_id in CLASS:
        writer.writerow([last, first, username, student_id, "Dec 1, 2026 9:14 AM", "Yes", "", ""])
    return buffer.getvalue()


def write_grade_center_xls(path: Path) -> Path:
    """Blackboard's default "Full Grade Center" .xls: UTF-16 (with BOM), tab-delimited."""
    path.write_bytes(grade_center("\t").encode("utf-16"))
    return path


# -- entry names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "student", "submitted_at"),
    [
        ("TF intro_Lab 1_ada.lovelace_attempt_2026-12-01-20-00-00_tf_intro.ipynb",
         "username:ada.lovelace", "2026-12-01T20:00:00"),
        ("Lab1_ckim-2_attempt_2026-12-02-01-00-00_my_tf_intro (1).ipynb",
         "username:ckim-2", "2026-12-02T01:00:00"),
        ("Lab1_01560658_attempt_2026-11-28-23-59-01_12_tf_intro.ipynb",
         "username:01560658", "2026-11-28T23:59:01"),
        ("TF lab_jo@uni.edu_attempt_2026-11-28-07-05-09_tf_intro.ipynb",
         "username:jo@uni.edu", "2026-11-28T07:05:09"),
        ("TF intro_Lab 1_cbabbage_attempt_2026-12-02-01-00-00.txt",
         "username:cbabbage", "2026-12-02T01:00:00"),
    ],
)  # fmt: skip
def test_blackboard_names_give_the_username_and_the_attempt_time(name, student, submitted_at):
    identity = entry_identity(PurePosixPath("gradebook_TF101_TF intro") / name)
    assert identity is not None
    assert (identity.student, identity.submitted_at) == (student, submitted_at)
    assert not identity.late and identity.problem is None


@pytest.mark.parametrize(
    "name",
    ["tf_intro.ipynb", "Lab1_jdoe_attempt_2026-12-01_tf_intro.ipynb",
     "Lab1_jdoe_attempt_2026-12-01-20-00-00tf_intro.ipynb"],
)  # fmt: skip
def test_names_that_are_not_blackboard_attempts_have_no_blackboard_identity(name):
    identity = entry_identity(PurePosixPath(name))
    assert identity is None or not identity.student.startswith("username:")


def receipt(first: str, last: str, username: str, stamp: str, filename: str) -> bytes:
    """The .txt Blackboard writes beside each attempt's files."""
    return (
        f"Name: {first} {last} ({username})\nAssignment: {ASSIGNMENT}\n"
        f"Date Submitted: {stamp}\nCurrent Grade: Needs Grading\n\n"
        f"Submission Field:\nThere is no student submission text data for this assignment.\n\n"
        f"Comments:\nThere are no student comments for this assignment.\n\n"
        f"Files:\n\tOriginal filename: {filename}\n"
        f"\tFilename: {ASSIGNMENT}_{username}_attempt_{stamp}_{filename}\n"
    ).encode()


def download(attempts: list[tuple[str, str, str, bytes]], names: dict[str, tuple]) -> bytes:
    """A Download Assignment zip: (username, stamp, file name, notebook) per attempt."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for username, stamp, filename, data in attempts:
            prefix = f"{ASSIGNMENT}_{username}_attempt_{stamp}"
            archive.writestr(f"{prefix}_{filename}", data)
            first, last = names.get(username, ("Zed", "Stranger"))
            archive.writestr(f"{prefix}.txt", receipt(first, last, username, stamp, filename))
    return buffer.getvalue()


def test_receipts_are_not_submissions_and_the_newest_attempt_counts(tmp_path):
    zip_path = tmp_path / "gradebook_TF101_TF intro.zip"
    zip_path.write_bytes(
        download(
            [("mcurie", "2026-12-01-09-00-00", "tf_intro.ipynb", notebook_bytes("old = 1")),
             ("mcurie", "2026-12-01-22-00-00", "tf_intro.ipynb", notebook_bytes("new = 1")),
             ("cbabbage", "2026-12-01-23-00-00", "tf_intro.ipynb", notebook_bytes("x = 1"))],
            {"mcurie": ("Marie", "Curie"), "cbabbage": ("Charles", "Babbage")},
        )
    )  # fmt: skip
    found = discover(zip_path)
    assert all(s.source.suffix == ".ipynb" for s in found) and len(found) == 3
    counted = {s.student: s for s in found if s.superseded_by is None}
    assert set(counted) == {"username:mcurie", "username:cbabbage"}
    assert b"new = 1" in load(counted["username:mcurie"]).data
    assert counted["username:mcurie"].submitted_at == "2026-12-01T22:00:00"


def test_a_download_with_one_attempt_is_still_a_download_with_its_username(tmp_path):
    zip_path = tmp_path / "gradebook_TF101_TF intro.zip"
    only = ("jmuller", "2026-12-01-23-00-00", "tf_intro.ipynb", notebook_bytes("x = 1"))
    zip_path.write_bytes(download([only], {"jmuller": ("José", "Müller")}))
    (submission,) = discover(zip_path)
    assert (submission.student, submission.submitted_at) == (
        "username:jmuller", "2026-12-01T23:00:00",
    )  # fmt: skip
    assert submission.source.name.endswith("_attempt_2026-12-01-23-00-00_tf_intro.ipynb")


# -- the Grade Center download as the roster -----------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "encode"),
    [("gc_full.xls", lambda: grade_center("\t").encode("utf-16")),
     ("gc_full_be.xls", lambda: b"\xfe\xff" + grade_center("\t").encode("utf-16-be")),
     ("gc.csv", lambda: grade_center(",").encode("utf-8-sig")),
     ("gc_nobom.csv", lambda: grade_center(",").encode("utf-8"))],
)  # fmt: skip
def test_grade_center_download_is_a_roster_in_utf16_tabs_or_utf8_commas(
    tmp_path, file_name, encode
):
    path = tmp_path / file_name
    path.write_bytes(encode())
    students = {s.username: s for s in load_roster(path)}
    assert list(students) == [username for *_, username, _ in CLASS]
    jose = students["jmuller"]
    assert (jose.name, jose.first_name, jose.last_name, jose.id_number) == (
        "José Müller", "José", "Müller", "S103",
    )  # fmt: skip
    kim = students["ckim-2"]
    assert (kim.name, kim.id_number, kim.key) == ("철수 김", None, "username:ckim-2")
    assert "username:ada.lovelace" in students["ada.lovelace"].identifiers()


def test_a_utf16_file_that_is_no_class_list_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "something.xls"
    path.write_bytes("Item\tPoints\r\nQuiz 1\t10\r\n".encode("utf-16"))
    with pytest.raises(RosterError, match="is not a Canvas gradebook export"):
        load_roster(path)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"Username,First Name\r\n\xff\xfe\x00bad")  # no BOM at the start
    with pytest.raises(RosterError, match="can't read the roster"):
        load_roster(broken)


# -- the round trip: download zip → grade (CLI) → export blackboard (CLI) → upload file ----


DUE = "2026-12-01T23:59"  # New York: 2026-12-02T04:59Z
REFERENCE = (CORPUS / "notebooks" / "valid_reference.ipynb").read_bytes()
TINY = notebook_bytes("x = 1")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The class's download, graded once by the CLI: the folder with gradebook.sqlite."""
    folder = tmp_path_factory.mktemp("blackboard")
    names = {username: (first, last) for last, first, username, _ in CLASS}
    attempts = [
        ("ada.lovelace", "2026-12-01-20-00-00", "tf_intro.ipynb", REFERENCE),  # on time
        # 01:00 in New York is late; read as UTC it would be 3 hours early
        ("cbabbage", "2026-12-02-01-00-00", "tf_intro.ipynb", REFERENCE),
        ("jmuller", "2026-12-01-23-00-00", "tf_intro (1).ipynb", TINY),  # non-ASCII name
        ("ckim-2", "2026-12-01-18-30-00", "tf_intro.ipynb", TINY),
        ("mcurie", "2026-12-01-09-00-00", "tf_intro.ipynb", REFERENCE),  # superseded
        ("mcurie", "2026-12-01-22-00-00", "tf_intro.ipynb", TINY),  # the newer counts
        ("zstranger", "2026-12-01-21-00-00", "tf_intro.ipynb", TINY),  # not on the roster
    ]  # edijkstra submitted nothing
    zip_path = folder / "gradebook_TF101_TF intro_2026-12-02-08-00-00.zip"
    zip_path.write_bytes(download(attempts, names))
    results = grade_folder(zip_path, folder / "out", "--workers", "2")
    assert len(results) == len(attempts)  # one result per notebook; receipts are not graded
    write_grade_center_xls(folder / "gradecenter.xls")
    return folder


def export_blackboard(folder: Path, *late_options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", "export", "blackboard",
         "--gradebook", str(folder / "out" / "gradebook.sqlite"),
         "--roster", str(folder / "gradecenter.xls"), "--assignment", "TF intro",
         "--assignment-id", "123456", "--penalty", "10%", *late_options,
         "--out", str(folder / "upload.csv")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def read_upload(path: Path) -> dict[str, str]:
    """The upload as Blackboard reads it: rows by Username, the column by its "|<id>"."""
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        (column,) = [header for header in reader.fieldnames if header.endswith("|123456")]
        return {row["Username"]: row[column] for row in reader}


EXPECTED = {
    "ada.lovelace": "10",  # the reference solution, on time
    "cbabbage": "9",  # the reference solution, late by 1 h: one day, -10% of 10 points
    "jmuller": "0",
    "ckim-2": "0",
    "mcurie": "0",  # her newer attempt defines nothing; the older full marks don't count
    "edijkstra": "0",  # no submission
}


def test_a_blackboard_download_round_trips_to_a_grade_center_upload(graded):
    completed = export_blackboard(graded, "--due", DUE, "--timezone", "America/New_York")
    assert completed.returncode == 0, completed.stderr
    assert read_upload(graded / "upload.csv") == EXPECTED
    out = completed.stdout
    assert "6 students on the roster: 5 graded, 0 not gradable, 1 without a submission;" in out
    assert " 1 late." in out
    assert "No submission: Edsger Dijkstra" in out
    (unmatched,) = [line for line in out.splitlines() if line.startswith("Unmatched")]
    assert "_zstranger_attempt_" in unmatched


def test_attempt_times_are_read_in_the_export_timezone_even_when_due_has_an_offset(graded):
    # The same instant as DUE, written in UTC: Babbage's 01:00 is still New York time
    completed = export_blackboard(
        graded, "--due", "2026-12-02T04:59+00:00", "--timezone", "America/New_York"
    )
    assert completed.returncode == 0, completed.stderr
    assert read_upload(graded / "upload.csv") == EXPECTED


def test_without_timezone_the_due_dates_offset_is_the_course_zone(graded):
    completed = export_blackboard(graded, "--due", "2026-12-01T23:59-05:00")
    assert completed.returncode == 0, completed.stderr
    assert read_upload(graded / "upload.csv")["cbabbage"] == "9"
    refused = export_blackboard(graded, "--due", DUE)
    assert refused.returncode != 0
    assert "has no time zone" in refused.stderr and "--timezone" in refused.stderr
