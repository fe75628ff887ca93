"""Moodle (mod/assign) as its files are: the "Download all submissions" zip, the grading
worksheet as the class list, matching by participant id (or by name without one), and
the worksheet written back for "Upload grading worksheet"."""

import csv
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

import pytest

from autograder.gradebook import Gradebook
from autograder.intake import discover
from autograder.labs.tf_intro import LAB
from autograder.late import parse_policy
from autograder.lms import moodle
from autograder.lms.moodle import full_name, parse_worksheet_time, worksheet_time
from autograder.lms.registry import entry_identity
from autograder.matching import build_standing
from autograder.roster import load_roster
from tests.conftest import CORPUS, notebook_bytes, zip_of
from tests.test_exports import result, submission

TINY = notebook_bytes("x = 1")  # defines nothing: graded 0 in seconds
REFERENCE = (CORPUS / "notebooks" / "valid_reference.ipynb").read_bytes()
COLUMNS = [
    "Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
    "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
    "Feedback comments",
]  # fmt: skip
SUBMITTED = "Submitted for grading"
# As Moodle writes it: a byte-order mark, "Participant <id>", grades with two decimals
WORKSHEET = "\ufeff" + "\n".join(
    [
        ",".join(f'"{column}"' for column in COLUMNS),
        f'"Participant 101","José Müller",jose@uni.edu,"{SUBMITTED}",,10.00,Yes,'
        '"Friday, 27 November 2026, 11:02 PM",-,',
        f'"Participant 102",김철수,cs.kim@uni.edu,"{SUBMITTED}",,10.00,Yes,'
        '"Friday, 27 November 2026, 9:15 PM",-,',
        f'"Participant 103","Ada Lovelace",ada@uni.edu,"{SUBMITTED}",,10.00,Yes,'
        '"Thursday, 26 November 2026, 4:40 PM",-,',
        '"Participant 104","Dana Scully",dana@uni.edu,"No submission",,10.00,Yes,-,-,',
        f'"Participant 105","Kim Lee",kim.lee@uni.edu,"{SUBMITTED}",,10.00,Yes,'
        '"Friday, 27 November 2026, 8:00 AM",-,',
        '"Participant 106","Kim Lee",kimlee2@uni.edu,"No submission",,10.00,Yes,-,-,',
    ]
)
# Moodle's participants export: no participant ids, so entries match by name. Ada's ID
# number is the blind-marked entry's participant id: that must not make it hers.
PARTICIPANTS = """First name,Last name,Email address,Username,ID number
José,Müller,jose@uni.edu,jmuller,S1
철수,김,cs.kim@uni.edu,cskim,S2
Ada,Lovelace,ada@uni.edu,ada,103
Dana,Scully,dana@uni.edu,dscully,S4
Kim,Lee,kim.lee@uni.edu,klee,S5
Kim,Lee,kimlee2@uni.edu,klee2,S6
"""
# Moodle builds 김철수's full name as firstname + " " + lastname on an English site
PARTICIPANTS = PARTICIPANTS.replace("철수,김", "김철수,")
DOWNLOAD = {
    # Moodle 4.1 and later: a folder per student and plugin
    "José Müller_101_assignsubmission_file/tf_intro.ipynb": REFERENCE,
    # "download submissions in folders" off
    "김철수_102_assignsubmission_file_tf_intro.ipynb": TINY,
    # blind marking, before Moodle 4.1 (the folder ends "_")
    "Participant_103_assignsubmission_file_/tf_intro.ipynb": TINY,
    # online text, not a notebook
    "Kim Lee_105_assignsubmission_onlinetext/onlinetext.html": b"<p>my answer is 5</p>",
    # a participant id the worksheet doesn't list
    "Fox Mulder_999_assignsubmission_file/tf_intro.ipynb": TINY,
}


# -- entry names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "student", "name"),
    [
        ("José Müller_101_assignsubmission_file/tf_intro.ipynb", "101", "José Müller"),
        ("José Müller_101_assignsubmission_file_/tf_intro.ipynb", "101", "José Müller"),
        ("김철수_102_assignsubmission_file_tf_intro.ipynb", "102", "김철수"),
        ("Ada Lovelace_7_assignsubmission_file/week 1/lab_1_2_final.ipynb", "7", "Ada Lovelace"),
        ("Lab-1-55/Ada Lovelace_7_assignsubmission_file/tf_intro.ipynb", "7", "Ada Lovelace"),
        ("Participant_103_assignsubmission_file/tf_intro.ipynb", "103", None),
        ("Participant_103_assignsubmission_file_tf_intro.ipynb", "103", None),
    ],
)  # fmt: skip
def test_each_form_of_a_moodle_entry_gives_the_participant_id_and_name(entry, student, name):
    identity = entry_identity(PurePosixPath(entry))
    assert identity is not None
    assert identity.student == f"moodle-participant:{student}"
    assert (identity.late, identity.submitted_at, identity.problem) == (False, None, None)
    assert full_name(f"/downloads/lab.zip/{entry}") == name


@pytest.mark.parametrize(
    "entry",
    [
        "Kim Lee_105_assignsubmission_onlinetext/onlinetext.html",
        "Kim Lee_105_assignsubmission_onlinetext_/onlinetext.html",
        "Kim Lee_105_assignsubmission_onlinetext_onlinetext.html",
    ],
)
def test_an_online_text_entry_is_a_problem_entry_with_what_to_submit(entry):
    identity = entry_identity(PurePosixPath(entry))
    assert identity.student == "moodle-participant:105"
    assert identity.problem.startswith("this is a Moodle online text entry, not a notebook")


def test_names_that_are_not_moodle_entries_are_left_to_other_platforms():
    assert entry_identity(PurePosixPath("lab_1_2_final.ipynb")).student == "canvas:1"
    assert full_name("/class/alice/tf_intro.ipynb") is None
    assert entry_identity(PurePosixPath("alice/tf_intro.ipynb")) is None


def test_the_notebook_counts_over_online_text_from_the_same_student(tmp_path):
    path = tmp_path / "download.zip"
    path.write_bytes(
        zip_of(
            {
                # the online text first: the zip's order must not decide
                "Kim Lee_105_assignsubmission_onlinetext/onlinetext.html": b"<p>5</p>",
                "Kim Lee_105_assignsubmission_file/tf_intro.ipynb": TINY,
            }
        )
    )
    found = discover(path)
    counted = [s for s in found if s.superseded_by is None]
    assert len(found) == 2 and len(counted) == 1
    assert counted[0].source.name == "tf_intro.ipynb" and counted[0].problem is None


# -- the grading worksheet as the class list ------------------------------------------------


def test_the_grading_worksheet_is_read_as_the_class_list(tmp_path):
    path = tmp_path / "worksheet.csv"
    path.write_text(WORKSHEET, encoding="utf-8")
    students = load_roster(path)
    assert [s.assignment_id(moodle.KIND) for s in students] == [
        "101",
        "102",
        "103",
        "104",
        "105",
        "106",
    ]
    assert [s.name for s in students][:2] == ["José Müller", "김철수"]
    assert students[0].email == "jose@uni.edu"
    assert "moodle-participant:101" in students[0].identifiers()
    assert "any:101" not in students[0].identifiers()  # a participant id is no other id
    assert list(students[0].extra) == COLUMNS  # the row as downloaded, for writing back
    assert students[3].extra["Status"] == "No submission"


def test_a_blind_marked_worksheet_keys_students_by_participant_id(tmp_path):
    path = tmp_path / "worksheet.csv"
    path.write_text(
        "Identifier,Status,Grade,Maximum Grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        "Participant 7,Submitted for grading,,10.00,Yes,-,-,\n"
        "Participant 8,No submission,,10.00,Yes,-,-,\n"
    )
    students = load_roster(path)
    assert [(s.name, s.key) for s in students] == [
        ("Participant 7", "moodle-participant:7"),
        ("Participant 8", "moodle-participant:8"),
    ]


# -- matching without a worksheet: by the full name in the entry --------------------------


def test_without_a_worksheet_entries_match_by_name_and_a_shared_name_is_reported(tmp_path):
    book = Gradebook.open(tmp_path / "gradebook.sqlite")
    run = book.start_run(LAB, "v1", "grade")
    folder = tmp_path / "download.zip"
    for entry, score in [
        ("José Müller_101_assignsubmission_file", 10),
        ("김철수_102_assignsubmission_file", 4),
        ("Participant_103_assignsubmission_file", 6),
        ("Kim Lee_105_assignsubmission_file", 8),
    ]:
        student = "moodle-participant:" + entry.split("_")[1]
        book.record(run, "v1", submission(folder / entry, "tf_intro", student=student),
                    result(score), "")  # fmt: skip
    roster_path = tmp_path / "participants.csv"
    roster_path.write_text(PARTICIPANTS, encoding="utf-8")
    standing = build_standing(book.current_submissions(), load_roster(roster_path), LAB.parts)
    book.close()
    finals = {entry.student.username: (entry.status, entry.final) for entry in standing.entries}
    assert finals["jmuller"] == ("graded", 10)
    assert finals["cskim"] == ("graded", 4)
    assert finals["ada"] == ("missing", 0)  # blind marked: the name says nobody
    assert finals["klee"] == finals["klee2"] == ("missing", 0)
    unmatched = sorted(PurePosixPath(row["source_path"]).parent.name for row in standing.unmatched)
    assert unmatched == [
        "Kim Lee_105_assignsubmission_file",
        "Participant_103_assignsubmission_file",
    ]
    (problem,) = standing.matching_problems
    assert "Kim Lee" in problem and "(id:S5, id:S6)" in problem


def test_a_worksheet_roster_never_matches_by_name(tmp_path):
    book = Gradebook.open(tmp_path / "gradebook.sqlite")
    run = book.start_run(LAB, "v1", "grade")
    # José's name, but a participant id the worksheet doesn't hold: someone else's entry
    entry = tmp_path / "download.zip" / "José Müller_555_assignsubmission_file"
    book.record(run, "v1", submission(entry, "tf_intro", student="moodle-participant:555"),
                result(9), "")  # fmt: skip
    path = tmp_path / "worksheet.csv"
    path.write_text(WORKSHEET, encoding="utf-8")
    standing = build_standing(book.current_submissions(), load_roster(path), LAB.parts)
    book.close()
    assert len(standing.unmatched) == 1
    assert all(entry.status == "missing" for entry in standing.entries)


def test_the_worksheet_time_is_moodles_own_form():
    assert worksheet_time(datetime(2026, 11, 28, 18, 47)) == "Saturday, 28 November 2026, 6:47 PM"
    assert worksheet_time(datetime(2026, 3, 1, 0, 5)) == "Sunday, 1 March 2026, 12:05 AM"
    assert worksheet_time(datetime(2026, 3, 1, 12, 0)) == "Sunday, 1 March 2026, 12:00 PM"


# -- the round trip: download zip → grade → worksheet → read back as Moodle does ----------


def cli(*args: str) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return completed


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("moodle")
    download = folder / "TF-101-TF intro lab-42.zip"
    download.write_bytes(zip_of(DOWNLOAD))
    cli("grade", str(download), "--out", str(folder / "out"), "--workers", "2")
    return folder


def read_as_moodle(path: Path) -> tuple[list[str], dict[str, dict]]:
    """Columns, and rows by participant id, as assignfeedback_offline reads the upload:
    the id is what follows "Participant " in Identifier."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        rows = {row["Identifier"][len("Participant ") :]: row for row in reader}
        return list(reader.fieldnames or []), rows


def test_a_moodle_download_graded_comes_back_as_the_worksheet_moodle_uploads(graded):
    worksheet = graded / "worksheet.csv"
    worksheet.write_text(WORKSHEET, encoding="utf-8")
    back = graded / "upload.csv"
    before = datetime.now()
    completed = cli(
        "export", "moodle-worksheet", "--gradebook", str(graded / "out" / "gradebook.sqlite"),
        "--roster", str(worksheet), "--out", str(back),
    )  # fmt: skip
    assert "6 students on the roster: 3 graded, 1 not gradable, 2 without a submission" in (
        completed.stdout
    ), completed.stdout
    assert "Fox Mulder_999_assignsubmission_file" in completed.stdout  # unmatched, listed

    columns, rows = read_as_moodle(back)
    assert columns == COLUMNS
    assert list(rows) == ["101", "102", "103", "104", "105", "106"]
    grades = {participant: row["Grade"] for participant, row in rows.items()}
    assert grades == {"101": "10", "102": "0", "103": "0", "104": "0", "105": "0", "106": "0"}
    assert rows["101"]["Full name"] == "José Müller" and rows["102"]["Full name"] == "김철수"
    assert rows["101"]["Feedback comments"].startswith("10 / 10 (train_step 4")
    assert "online text entry" in rows["105"]["Feedback comments"]
    assert rows["104"]["Feedback comments"] == "No submission."
    assert rows["104"]["Status"] == "No submission"  # the other columns as downloaded
    for row in rows.values():
        stamp = datetime.strptime(row["Last modified (grade)"], "%A, %d %B %Y, %I:%M %p")
        assert before - timedelta(minutes=1) <= stamp <= datetime.now() + timedelta(minutes=1)


def test_without_the_worksheet_the_export_names_the_shared_name(graded):
    roster = graded / "participants.csv"
    roster.write_text(PARTICIPANTS, encoding="utf-8")
    completed = cli(
        "export", "csv", "--gradebook", str(graded / "out" / "gradebook.sqlite"),
        "--roster", str(roster), "--out", str(graded / "grades.csv"),
    )  # fmt: skip
    assert "2 graded, 0 not gradable, 4 without a submission" in completed.stdout
    assert "Not matched by name:" in completed.stdout and "'Kim Lee'" in completed.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "export", "moodle-worksheet",
         "--gradebook", str(graded / "out" / "gradebook.sqlite"), "--roster", str(roster),
         "--out", str(graded / "upload.csv")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode != 0 and "grading worksheet" in refused.stderr


@pytest.mark.parametrize(
    ("text", "moment"),
    [("Tuesday, 1 December 2026, 11:00 PM", datetime(2026, 12, 1, 23, 0)),
     ("Sunday, 1 March 2026, 12:05 AM", datetime(2026, 3, 1, 0, 5)),
     ("1 March 2026, 12:00 PM", datetime(2026, 3, 1, 12, 0)),
     ("Tuesday, 1 December 2026, 23:00", datetime(2026, 12, 1, 23, 0)),  # a 24-hour site
     ("-", None), ("", None), ("Tuesday, 31 February 2026, 1:00 PM", None),
     ("Dienstag, 1 Dezember 2026, 23:00", None)],
)  # fmt: skip
def test_worksheet_times_read_back_as_moodle_wrote_them(text, moment):
    assert parse_worksheet_time(text) == moment
    if moment is not None and text.endswith("M") and "," in text.split(" ")[0]:
        assert worksheet_time(moment) == text


def test_a_late_moodle_submission_pays_from_the_worksheets_submission_time(tmp_path):
    book = Gradebook.open(tmp_path / "gradebook.sqlite")
    run = book.start_run(LAB, "v1", "grade")
    for participant in ("101", "102"):
        entry = tmp_path / "download.zip" / f"X_{participant}_assignsubmission_file" / "lab.ipynb"
        book.record(run, "v1", submission(entry, f"p{participant}",
                    student=f"moodle-participant:{participant}"), result(10), "")  # fmt: skip
    path = tmp_path / "worksheet.csv"
    path.write_text(
        "Identifier,Full name,Email address,Status,Grade,Last modified (submission),"
        "Last modified (grade)\n"
        'Participant 101,A B,a@x,Submitted,,"Tuesday, 1 December 2026, 11:59 PM",-\n'
        'Participant 102,C D,c@x,Submitted,,"Wednesday, 2 December 2026, 12:30 AM",-\n',
        encoding="utf-8",
    )
    policy = parse_policy("2026-12-01T23:59", "Europe/Berlin", "0m", "10%", None)
    standing = build_standing(book.current_submissions(), load_roster(path), LAB.parts,
                              policy=policy)  # fmt: skip
    book.close()
    finals = {entry.student.assignment_id(moodle.KIND): entry for entry in standing.entries}
    assert finals["101"].final == 10 and not finals["101"].lateness.days
    assert finals["102"].final == 9 and finals["102"].lateness.days == 1
    assert (
        "31 min late (the grading worksheet's last modified (submission))" in finals["102"].reason
    )
