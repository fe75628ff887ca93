"""Exports read back the way each receiving system reads them.

The class: six roster students and one stranger. Ada submits on time through Canvas,
Babbage late through Canvas, Curie through Gradescope two days late, Dijkstra in a
folder named after her username, Euler never submits, Fermat's file is not a notebook,
and a file from someone not on the roster comes in too.
"""

import csv
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from autograder.exports.options import ExportError, ExportOptions
from autograder.exports.run import export
from autograder.gradebook import Gradebook
from autograder.labs.tf_intro import LAB
from autograder.late import parse_policy
from autograder.matching import build_standing
from autograder.results import SubmissionResult, TestResult
from autograder.roster import load_roster
from autograder.submission import Submission

CANVAS_ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Other lab (99)
    Points Possible,,,,,5
"Lovelace, Ada",101,S101,ada,Sec A,5
"Babbage, Charles",102,S102,cbabbage,Sec A,4
"Curie, Marie",103,S103,mcurie,Sec B,3
"Dijkstra, Edsger",104,S104,edijkstra,Sec B,2
"Euler, Leonhard",105,S105,leuler,Sec A,1
"Fermat, Pierre",106,S106,pfermat,Sec B,0
"Student, Test",999,,,,
"""

PLAIN_ROSTER = """id,name,email,username
S101,Ada Lovelace,ada@uni.edu,ada
S102,Charles Babbage,cb@uni.edu,cbabbage
S103,Marie Curie,mc@uni.edu,mcurie
S104,Edsger Dijkstra,ed@uni.edu,edijkstra
S105,Leonhard Euler,le@uni.edu,leuler
S106,Pierre Fermat,pf@uni.edu,pfermat
"""

MOODLE_ROSTER = """First name,Last name,ID number,Username,Email address,Groups
Ada,Lovelace,S101,ada,ada@uni.edu,A
Charles,Babbage,S102,cbabbage,cb@uni.edu,A
Marie,Curie,S103,mcurie,mc@uni.edu,B
Edsger,Dijkstra,S104,edijkstra,ed@uni.edu,B
Leonhard,Euler,S105,leuler,le@uni.edu,A
Pierre,Fermat,S106,pfermat,pf@uni.edu,B
"""


def result(score: float, gradable: bool = True) -> SubmissionResult:
    train_step = min(score, 4.0)
    tests = [
        TestResult("train_step", train_step, 4.0, "passed", tags=["train_step"]),
        TestResult("trainable_variables", min(max(score - 4, 0), 2), 2.0, "passed",
                   tags=["trainable_variables"]),
        TestResult("minimize", max(score - 6, 0), 4.0, "passed", tags=["minimize"]),
    ]  # fmt: skip
    extra = {} if gradable else {"ungraded": True}
    output = "Ran 12 code cells." if gradable else "Not graded: the file is empty."
    return SubmissionResult(score=score, tests=tests, output=output, extra_data=extra)


def submission(folder: Path, name: str, **identity) -> Submission:
    return Submission(folder / f"{name}.ipynb", name, b"{}", f"sha-{name}", **identity)


@pytest.fixture
def gradebook(tmp_path) -> Gradebook:
    book = class_gradebook(tmp_path)
    yield book
    book.close()


def class_gradebook(tmp_path) -> Gradebook:
    """The class above, graded: a gradebook in tmp_path."""
    book = Gradebook.open(tmp_path / "gradebook.sqlite")
    run = book.start_run(LAB, "v1", "grade")
    folder = tmp_path / "class"
    graded = [
        (submission(folder, "lovelaceada_101_1_tf_intro", student="canvas:101"), result(10)),
        (submission(folder, "babbagecharles_late_102_2_tf_intro", student="canvas:102",
                    late=True), result(8)),
        (submission(folder, "submission_3", student="gradescope:S103",
                    submitted_at="2026-12-03 21:30:00 -0500"), result(10)),
        (Submission(folder / "edijkstra" / "tf_intro.ipynb", "edijkstra__tf_intro", b"{}",
                    "sha-ed"), result(6)),
        (submission(folder, "fermat_106_3_tf_intro", student="canvas:106"), result(0, False)),
        (submission(folder, "stranger"), result(7)),
    ]  # fmt: skip
    for entry, graded_result in graded:
        book.record(run, "v1", entry, graded_result, "")
    return book


@pytest.fixture
def canvas_roster(tmp_path):
    path = tmp_path / "canvas_roster.csv"
    path.write_text(CANVAS_ROSTER)
    return load_roster(path)


def roster_from(tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text)
    return load_roster(path)


POLICY = parse_policy("2026-12-01T23:59", "America/New_York", "15m", "10%", "50%")


def by_name(standing):
    return {entry.student.name: entry for entry in standing.entries}


def test_every_roster_student_gets_an_entry_and_the_stranger_is_listed(gradebook, canvas_roster):
    standing = build_standing(gradebook.current_submissions(), canvas_roster, LAB.parts)
    entries = by_name(standing)
    assert len(standing.entries) == 6  # "Points Possible" and the test student are not students
    assert entries["Lovelace, Ada"].final == 10.0
    assert entries["Euler, Leonhard"].status == "missing"
    assert entries["Euler, Leonhard"].final == 0.0
    assert entries["Fermat, Pierre"].status == "not gradable"
    assert "the file is empty" in entries["Fermat, Pierre"].reason
    # Dijkstra's folder is named after her username; nothing else identifies that file
    assert entries["Dijkstra, Edsger"].final == 6.0
    assert [row["name"] for row in standing.unmatched] == ["stranger"]


def test_a_platform_id_matches_only_its_own_kind_when_the_roster_has_that_kind(
    tmp_path, canvas_roster
):
    book = Gradebook.open(tmp_path / "strangers.sqlite")
    run = book.start_run(LAB, "v1", "grade")
    # A Canvas user the roster doesn't hold, whose id reads like Euler's SIS User ID
    book.record(run, "v1", submission(tmp_path, "x_555_1_tf", student="canvas:S105"),
                result(10), "")  # fmt: skip
    standing = build_standing(book.current_submissions(), canvas_roster, LAB.parts)
    assert by_name(standing)["Euler, Leonhard"].status == "missing"
    assert [row["name"] for row in standing.unmatched] == ["x_555_1_tf"]
    # A roster without Canvas ids: the id may be any of the student's ids, as before
    plain = roster_from(tmp_path, PLAIN_ROSTER, "plain.csv")
    standing = build_standing(book.current_submissions(), plain, LAB.parts)
    book.close()
    assert not standing.unmatched


def test_missing_students_export_blank_when_asked(gradebook, canvas_roster):
    standing = build_standing(
        gradebook.current_submissions(), canvas_roster, LAB.parts, missing="blank"
    )
    assert by_name(standing)["Euler, Leonhard"].final is None


def test_a_mapping_file_claims_a_file_that_names_nobody(gradebook, canvas_roster):
    standing = build_standing(
        gradebook.current_submissions(), canvas_roster, LAB.parts, mapping={"stranger": "S105"}
    )
    assert by_name(standing)["Euler, Leonhard"].final == 7.0
    assert standing.unmatched == []


@pytest.mark.parametrize(
    ("penalty", "cap", "curie", "babbage"),
    [
        ("none", None, 10.0, 8.0),
        ("zero", None, 0.0, 0.0),
        ("10%", None, 8.0, 7.0),  # Curie 2 days late (-2 points); Babbage marked late (-1)
        ("15%", "20%", 8.0, 6.5),  # Curie's 30% is capped at 20%
    ],
)
def test_late_policies(gradebook, canvas_roster, penalty, cap, curie, babbage):
    policy = parse_policy("2026-12-01T23:59", "America/New_York", "15m", penalty, cap)
    standing = build_standing(
        gradebook.current_submissions(), canvas_roster, LAB.parts, policy=policy
    )
    entries = by_name(standing)
    assert entries["Curie, Marie"].final == curie
    assert entries["Curie, Marie"].raw == 10.0
    assert entries["Curie, Marie"].lateness.source == "Gradescope's submission time"
    assert entries["Babbage, Charles"].final == babbage
    assert entries["Lovelace, Ada"].final == 10.0  # no time and no late mark: on time
    if penalty != "none":
        assert "Late:" in entries["Curie, Marie"].reason


def test_the_grace_period_forgives_a_few_minutes():
    from datetime import timedelta

    from autograder.late import assess

    inside = POLICY.due + timedelta(minutes=14)
    outside = POLICY.due + timedelta(minutes=16)
    assert assess(POLICY, 10, 10, inside, False, "t").final == 10
    assert assess(POLICY, 10, 10, outside, False, "t").final == 9  # one day or part of one


def test_file_times_count_only_when_asked(tmp_path, canvas_roster):
    book = Gradebook.open(tmp_path / "g.sqlite")
    run = book.start_run(LAB, "v1", "grade")
    file = tmp_path / "ada.ipynb"
    file.write_text("{}")
    import os

    late = POLICY.due.timestamp() + 3 * 86400
    os.utime(file, (late, late))
    book.record(run, "v1", Submission(file, "ada", b"{}", "sha", student="canvas:101"),
                result(10), "")  # fmt: skip
    rows = book.current_submissions()
    plain = build_standing(rows, canvas_roster, LAB.parts, policy=POLICY)
    timed = build_standing(rows, canvas_roster, LAB.parts, policy=POLICY, file_times=True)
    assert by_name(plain)["Lovelace, Ada"].final == 10
    assert by_name(timed)["Lovelace, Ada"].final == 7  # 3 days at 10%


def test_canvas_export_reads_back_as_canvas_reads_it(gradebook, canvas_roster, tmp_path):
    out = tmp_path / "canvas.csv"
    options = ExportOptions("TF intro lab", "4321")
    export("canvas", gradebook, canvas_roster, LAB.parts, out, options, policy=POLICY)
    with out.open(newline="") as file:
        rows = list(csv.reader(file))
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    (title,) = header[5:]
    assert re.fullmatch(r"(.+) \((\d+)\)", title).groups() == ("TF intro lab", "4321")
    points = [row for row in rows[1:] if row[0].strip() == "Points Possible"]
    assert len(points) == 1 and float(points[0][5]) == 10
    students = [row for row in rows[1:] if row[0].strip() != "Points Possible"]
    ids = [row[1] for row in students]
    assert sorted(ids) == ["101", "102", "103", "104", "105", "106"]  # each exactly once
    scores = {row[1]: row[5] for row in students}
    assert scores == {"101": "10", "102": "7", "103": "8", "104": "6", "105": "0", "106": "0"}


def test_canvas_refuses_to_export_without_the_assignment_id(gradebook, canvas_roster, tmp_path):
    with pytest.raises(ExportError, match="assignment id"):
        export("canvas", gradebook, canvas_roster, LAB.parts, tmp_path / "c.csv",
               ExportOptions("TF intro lab"))  # fmt: skip


def test_blackboard_export_has_the_column_id_in_its_header(gradebook, tmp_path):
    roster = roster_from(tmp_path, PLAIN_ROSTER, "plain.csv")
    out = tmp_path / "bb.csv"
    export("blackboard", gradebook, roster, LAB.parts, out, ExportOptions("TF lab", "_123_1"))
    with out.open(newline="") as file:
        reader = csv.DictReader(file)
        column = reader.fieldnames[3]
        rows = list(reader)
    assert reader.fieldnames[:3] == ["Last Name", "First Name", "Username"]
    # The comment columns Blackboard reads as this column's notes and feedback follow it
    assert reader.fieldnames[4:] == [
        "Grading Notes", "Notes Format", "Feedback to Learner", "Feedback Format"
    ]  # fmt: skip
    name, points, column_id = re.fullmatch(
        r"(.+) \[Total Pts: ([\d.]+) Score\] \|(\w+)", column
    ).groups()
    assert (name, float(points), column_id) == ("TF lab", 10.0, "_123_1")
    usernames = [row["Username"] for row in rows]
    assert sorted(usernames) == ["ada", "cbabbage", "edijkstra", "leuler", "mcurie", "pfermat"]
    grades = {row["Username"]: row[column] for row in rows}
    # Curie by her Gradescope sid, Dijkstra by her folder's name; the others' files carry
    # only Canvas ids, which this roster doesn't have: 0, and the CLI lists them unmatched
    assert grades == {
        "ada": "0", "cbabbage": "0", "mcurie": "10", "edijkstra": "6", "leuler": "0",
        "pfermat": "0",
    }  # fmt: skip
    with pytest.raises(ExportError, match="column id"):
        export("blackboard", gradebook, roster, LAB.parts, out, ExportOptions("TF lab"))


@pytest.mark.parametrize(
    ("identifier", "header", "dijkstra"),
    [("email", "Email address", "ed@uni.edu"), ("username", "Username", "edijkstra"),
     ("idnumber", "ID number", "S104")],
)  # fmt: skip
def test_moodle_export_maps_each_student_by_the_chosen_identifier(
    gradebook, tmp_path, identifier, header, dijkstra
):
    roster = roster_from(tmp_path, MOODLE_ROSTER, "moodle.csv")
    out = tmp_path / "moodle.csv"
    export("moodle", gradebook, roster, LAB.parts, out, ExportOptions("TF lab", None, identifier))
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    values = [row[header] for row in rows]
    field = {"email": "email", "username": "username", "idnumber": "id_number"}[identifier]
    assert sorted(values) == sorted(getattr(student, field) for student in roster)  # once each
    grades = {row[header]: row["TF lab"] for row in rows}
    by_student = {student.last_name: grades[getattr(student, field)] for student in roster}
    assert by_student == {
        "Lovelace": "0", "Babbage": "0", "Curie": "10", "Dijkstra": "6", "Euler": "0",
        "Fermat": "0",
    }  # fmt: skip
    row = next(row for row in rows if row[header] == dijkstra)
    assert row["TF lab"] == "6"
    assert row["Feedback"] == "6 / 10 (train_step 4, trainable_variables 2, minimize 0)."


@pytest.mark.parametrize(
    ("policy", "given"),
    [
        (None, {"101": 10, "102": 8, "103": 10, "104": 6, "105": 0, "106": 0}),
        # Babbage marked late (-1 of 10%), Curie two days late (-2): as in the Canvas file
        (POLICY, {"101": 10, "102": 7, "103": 8, "104": 6, "105": 0, "106": 0}),
    ],
)
def test_lti_scores_are_ready_to_post(gradebook, canvas_roster, tmp_path, policy, given):
    out = tmp_path / "scores.jsonl"
    export("lti", gradebook, canvas_roster, LAB.parts, out, ExportOptions("TF lab"),
           policy=policy)  # fmt: skip
    scores = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(s["userId"] for s in scores) == ["101", "102", "103", "104", "105", "106"]
    assert {s["userId"]: s["scoreGiven"] for s in scores} == given
    progress = {s["userId"]: s["activityProgress"] for s in scores}
    assert progress == {**{user: "Completed" for user in given}, "105": "Initialized"}
    for score in scores:
        assert score["scoreMaximum"] == 10 and score["gradingProgress"] == "FullyGraded"
        assert datetime.fromisoformat(score["timestamp"]).tzinfo is not None
    comments = {s["userId"]: s.get("comment", "") for s in scores}
    assert "the file is empty" in comments["106"]
    assert comments["103"].startswith("Late:") == (policy is not None)


def test_csv_export_has_parts_penalty_status_and_the_unmatched(gradebook, canvas_roster, tmp_path):
    out = tmp_path / "grades.csv"
    export("csv", gradebook, canvas_roster, LAB.parts, out, ExportOptions("TF lab"), policy=POLICY)
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    curie = next(row for row in rows if row["name"] == "Curie, Marie")
    assert (curie["raw"], curie["late penalty"], curie["total"]) == ("10", "2", "8")
    assert curie["train_step"] == "4" and curie["minimize"] == "4"
    assert [row["status"] for row in rows].count("missing") == 1
    assert [row for row in rows if row["status"] == "unmatched"][0]["submission"].endswith(
        "stranger.ipynb"
    )


def test_gradescope_results_carry_the_late_policy(gradebook, canvas_roster, tmp_path):
    out = tmp_path / "gradescope"
    options = ExportOptions("TF lab", visibility="after_published")
    export("gradescope", gradebook, canvas_roster, LAB.parts, out, options, policy=POLICY)
    curie = json.loads((out / "submission_3.json").read_text())
    assert curie["score"] == 8 and curie["visibility"] == "after_published"
    assert curie["output"].startswith("Late:") and curie["extra_data"]["late"]["raw"] == 10


def test_a_regrade_shows_whose_score_changed_before_anything_is_written(
    gradebook, canvas_roster, tmp_path
):
    out = tmp_path / "canvas.csv"
    options = ExportOptions("TF intro lab", "4321")
    first = export("canvas", gradebook, canvas_roster, LAB.parts, out, options)
    assert first.first_export and first.changes == []
    run = gradebook.start_run(LAB, "v2", "grade --force")  # a check was fixed; Dijkstra gains
    row = next(r for r in gradebook.current_submissions() if r["name"] == "edijkstra__tf_intro")
    dijkstra = Submission(Path(row["source_path"]), row["name"], b"{}", row["sha256"])
    gradebook.record(run, "v2", dijkstra, result(9), "")
    preview = export("canvas", gradebook, canvas_roster, LAB.parts, out, options, dry_run=True)
    assert [(c.name, c.before, c.after) for c in preview.changes] == [
        ("Dijkstra, Edsger", 6.0, 9.0)
    ]
    assert "101,S101" in out.read_text() and ",6\n" in out.read_text()  # not rewritten yet
    export("canvas", gradebook, canvas_roster, LAB.parts, out, options)
    assert ",9\n" in out.read_text()
    again = export("canvas", gradebook, canvas_roster, LAB.parts, out, options, dry_run=True)
    assert again.changes == []


def test_the_export_command_from_the_readme(gradebook, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(CANVAS_ROSTER)
    gradebook.close()
    completed = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "export", "canvas",
         "--gradebook", str(tmp_path / "gradebook.sqlite"), "--roster", str(roster),
         "--assignment", "TF intro lab", "--assignment-id", "4321",
         "--due", "2026-12-01T23:59", "--timezone", "America/New_York", "--grace", "15m",
         "--penalty", "10%", "--out", str(tmp_path / "canvas.csv")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "6 students on the roster: 4 graded, 1 not gradable, 1 without a submission" in (
        completed.stdout
    )
    assert "No submission: Euler, Leonhard" in completed.stdout
    assert "Unmatched submission (no roster student):" in completed.stdout
    assert (tmp_path / "canvas.csv").exists()
