"""Overrides: set by hand, logged, and used by every export, page and report.

The class is the exports' (tests/test_exports.py): Ada 10/10 and Babbage 8/10 (late)
through Canvas, Curie through Gradescope, Dijkstra in a folder, Fermat's file not gradable.
"""

import csv
import getpass
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder.exports.options import ExportOptions
from autograder.exports.run import export
from autograder.gradebook import Gradebook
from autograder.grading_run import override_notices
from autograder.labs.tf_intro import LAB
from autograder.late import parse_policy
from autograder.matching import build_standing
from autograder.overrides import OverrideError
from autograder.pages.class_report import write_class_report
from autograder.pages.feedback_delivery import deliver
from autograder.roster import load_roster
from autograder.submission import Submission
from tests.test_exports import CANVAS_ROSTER, class_gradebook, result

POLICY = parse_policy("2026-12-01T23:59", "America/New_York", "0", "10%", None)
PRIVATE = "medical note seen by the dean"


@pytest.fixture
def gradebook(tmp_path):
    book = class_gradebook(tmp_path)
    yield book
    book.close()


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(CANVAS_ROSTER)
    return load_roster(path)


def entries(book, roster, policy=None):
    standing = build_standing(book.current_submissions(), roster, LAB.parts, policy=policy)
    return {entry.student.name.split(",")[0]: entry for entry in standing.entries}


def canvas_scores(book, roster, tmp_path, policy=None) -> dict[str, str]:
    out = tmp_path / "canvas.csv"
    export("canvas", book, roster, LAB.parts, out, ExportOptions(assignment_id="7"),
           policy=policy)  # fmt: skip
    rows = list(csv.DictReader(out.read_text().splitlines()))
    column = next(name for name in rows[0] if name.endswith("(7)"))
    return {row["Student"].split(",")[0]: row[column] for row in rows[1:]}


def gradebook_path(book) -> Path:
    return Path(book.connection.execute("PRAGMA database_list").fetchone()[2])


def log_rows(book) -> list[dict]:
    return book._rows("SELECT * FROM overrides ORDER BY id")


def test_a_part_override_changes_the_total_everywhere_and_is_logged(gradebook, roster, tmp_path):
    made = gradebook.override("canvas:101", "part:minimize", 2.5, reason="loop ran 999 times",
                              author="ta1")  # fmt: skip
    assert (made.old_score, made.new_score, made.autograder_score) == (4.0, 2.5, 4.0)
    ada = entries(gradebook, roster)["Lovelace"]
    assert ada.raw == 8.5 and ada.parts["minimize"] == 2.5 and ada.autograder_score == 10
    assert canvas_scores(gradebook, roster, tmp_path)["Lovelace"] == "8.5"
    (row,) = log_rows(gradebook)
    assert row["subject"] == "canvas:101" and row["action"] == "set"
    assert (row["reason"], row["author"], row["private"]) == ("loop ran 999 times", "ta1", 0)
    # The export recorded what it sent, with the override in the instructor's reason
    sent = gradebook._rows("SELECT final, reason FROM exported_grades WHERE name = 'Lovelace, Ada'")
    assert sent[0]["final"] == 8.5 and "loop ran 999 times" in sent[0]["reason"]


def test_check_then_part_then_total_combine_in_that_order(gradebook, roster):
    gradebook.override("canvas:102", "check:minimize", 1, reason="a", author="x")
    assert entries(gradebook, roster)["Babbage"].raw == 7  # 8 - 2 + 1
    gradebook.override("canvas:102", "part:minimize", 3, reason="b", author="x")
    assert entries(gradebook, roster)["Babbage"].raw == 9  # the part replaces its checks' sum
    gradebook.override("canvas:102", "total", 9.5, reason="c", author="x")
    babbage = entries(gradebook, roster)["Babbage"]
    assert babbage.raw == 9.5 and babbage.parts["minimize"] == 3
    gradebook.override("canvas:102", "total", None, reason="undo", author="x", remove=True)
    assert entries(gradebook, roster)["Babbage"].raw == 9
    assert [row["action"] for row in log_rows(gradebook)] == ["set", "set", "set", "remove"]


def test_a_waived_late_penalty_counts_nothing_but_still_shows_late(gradebook, roster, tmp_path):
    assert entries(gradebook, roster, POLICY)["Babbage"].final == 7  # 8 minus one day's 10%
    gradebook.override("canvas:102", "late", None, reason="accommodation", author="x")
    babbage = entries(gradebook, roster, POLICY)["Babbage"]
    assert (babbage.penalty, babbage.final) == (0, 8)
    assert babbage.reason.startswith("Late:") and babbage.lateness.days == 1
    assert "Late penalty waived by the instructor: accommodation" in babbage.explanation(
        for_student=True
    )
    assert canvas_scores(gradebook, roster, tmp_path, POLICY)["Babbage"] == "8"
    gradebook.override("canvas:102", "late", None, reason="wrong student", author="x",
                       remove=True)  # fmt: skip
    assert entries(gradebook, roster, POLICY)["Babbage"].final == 7


def student_facing_texts(book, roster, tmp_path) -> dict[str, str]:
    """Everything a student may read, per format."""
    standing = build_standing(book.current_submissions(), roster, LAB.parts, policy=POLICY)
    deliver("html", standing, LAB.title, tmp_path / "pages")
    texts = {"html": "\n".join(p.read_text() for p in (tmp_path / "pages").glob("*.html"))}
    for format in ("gradescope", "moodle", "lti"):
        out = tmp_path / format
        export(format, book, roster, LAB.parts, out, ExportOptions(lti_user="email"),
               policy=POLICY)  # fmt: skip
        texts[format] = "\n".join(p.read_text() for p in out.glob("*")) if out.is_dir() else (
            out.read_text())  # fmt: skip
    return texts


def test_a_private_reason_stays_out_of_what_students_see(gradebook, roster, tmp_path):
    moodle_roster = tmp_path / "moodle.csv"
    moodle_roster.write_text(
        "id,name,email\n101,Ada Lovelace,ada@uni.edu\n102,Charles Babbage,cb@uni.edu\n"
    )
    students = load_roster(moodle_roster)
    gradebook.override("canvas:101", "total", 9, reason=PRIVATE, author="x", private=True)
    gradebook.override("canvas:102", "check:train_step", 3.5, reason="public reason", author="x")
    texts = student_facing_texts(gradebook, students, tmp_path)
    for format, text in texts.items():
        assert PRIVATE not in text, format
        assert "set to 9 by the instructor" in text, format  # that it changed is shown
        assert "public reason" in text, format
    # The instructor's own files keep it
    export("csv", gradebook, students, LAB.parts, tmp_path / "all.csv", ExportOptions())
    rows = {row["student"]: row for row in csv.DictReader(open(tmp_path / "all.csv"))}
    ada = rows[students[0].key]
    assert PRIVATE in ada["overrides"] and (ada["autograder"], ada["total"]) == ("10", "9")
    page = write_class_report(gradebook_path(gradebook), tmp_path / "report").read_text()
    assert PRIVATE in page and 'data-stat="overridden">2<' in page


def test_the_feedback_page_shows_overridden_checks_and_parts(gradebook, roster, tmp_path):
    gradebook.override("canvas:101", "check:train_step", 1.5, reason="off by one", author="x")
    gradebook.override("canvas:101", "part:minimize", 3, reason="slow", author="x")
    standing = build_standing(gradebook.current_submissions(), roster, LAB.parts)
    delivery = deliver("html", standing, LAB.title, tmp_path / "pages")
    page = (tmp_path / "pages" / delivery.written[roster[0].key]).read_text()
    assert 'data-stat="final">6.5<' in page  # 10 - 2.5 - 1
    assert 'data-stat="part:minimize">3<' in page
    assert 'data-stat="check:train_step">1.5<' in page
    assert page.count('data-stat="override"') == 2


def test_bad_overrides_are_refused_with_a_reason_and_record_nothing(gradebook):
    cases = [
        (("canvas:101", "part:minimize", 4.5), "0 to 4 points"),
        (("canvas:101", "total", -1), "0 to 10"),
        (("canvas:101", "check:no such check", 1), "no check is named"),
        (("canvas:101", "part:nonsense", 1), "no part is named"),
        (("nobody", "total", 1), "no graded submission is 'nobody'"),
    ]
    for (who, target, score), message in cases:
        with pytest.raises(OverrideError, match=message):
            gradebook.override(who, target, score, reason="r", author="x")
    with pytest.raises(OverrideError, match="reason is required"):
        gradebook.override("canvas:101", "total", 5, reason="  ", author="x")
    with pytest.raises(OverrideError, match="no override of total"):
        gradebook.override("canvas:101", "total", None, reason="r", author="x", remove=True)
    assert log_rows(gradebook) == []


def test_a_student_is_found_by_any_of_their_names(gradebook):
    ada = "lovelaceada_101_1_tf_intro"
    for name in ("canvas:101", "101", ada, f"sha-{ada}", f"{ada}.ipynb", f"{ada}.IPYNB"):
        assert gradebook.find_students(name)[0]["subject"] == "canvas:101"
    assert gradebook.find_students("edijkstra")[0]["name"] == "edijkstra__tf_intro"


def test_a_rerun_keeps_the_override_and_says_when_the_autograder_changed(gradebook, roster):
    gradebook.override("canvas:101", "part:minimize", 3, reason="slow", author="x")
    ada = gradebook.find_students("canvas:101")[0]
    again = Submission(Path(ada["source_path"]), ada["name"], b"{}",
                       ada["sha256"], student="canvas:101")  # fmt: skip
    for new_result, changed in ((result(10), False), (result(8), True)):
        run = gradebook.start_run(LAB, "v2", "regrade")
        gradebook.record(run, "v2", again, new_result, "")
        notices = override_notices(gradebook.overrides_in_force(), LAB.reference, again, new_result)
        assert notices[0].endswith("overrides kept (part minimize)")
        assert any("now gives the part minimize 2" in n for n in notices) == changed
        assert entries(gradebook, roster)["Lovelace"].raw == 9  # 3 for minimize, whatever it gave


def test_a_superseded_file_carries_no_override(gradebook):
    run = gradebook.start_run(LAB, "v1", "grade")
    old = Submission(gradebook_path(gradebook).parent / "old.ipynb", "old", b"{}", "sha-old",
                     student="canvas:101", superseded_by="lovelaceada_101_1_tf_intro")  # fmt: skip
    gradebook.record(run, "v1", old, result(0), "")
    gradebook.override("canvas:101", "total", 5, reason="r", author="x")
    rows = {row["name"]: row for row in gradebook.current_submissions()}
    assert rows["old"]["overrides"] == [] and len(rows["lovelaceada_101_1_tf_intro"]["overrides"])


def test_two_overrides_at_once_are_both_kept(gradebook):
    path = gradebook_path(gradebook)
    start = threading.Barrier(2)
    made, errors = [], []

    def override(score: float) -> None:
        book = Gradebook.open(path)  # each writer its own connection, as the CLI and the page
        try:
            start.wait()
            made.append(book.override("canvas:102", "part:minimize", score, reason=f"r{score}",
                                      author="x"))  # fmt: skip
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            book.close()

    threads = [threading.Thread(target=override, args=(score,)) for score in (1.0, 3.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    first, second = log_rows(gradebook)
    # Each saw the other's write or none: the second replaced the first's score
    assert first["old_score"] == 2.0 and second["old_score"] == first["new_score"]


def test_the_cli_records_an_override_and_prints_the_history(gradebook, tmp_path):
    path = str(gradebook_path(gradebook))
    cli = [sys.executable, "-m", "autograder.cli"]
    done = subprocess.run(
        [*cli, "override", "canvas:101", "--gradebook", path, "--check", "minim", "--score", "3",
         "--reason", "slow loop", "--private"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert 'check "minimize" 4 -> 3 (autograder: 4)' in done.stdout
    (row,) = log_rows(gradebook)
    assert (row["target"], row["author"], row["private"]) == (
        "check:minimize",
        getpass.getuser(),
        1,
    )
    refused = subprocess.run(
        [*cli, "override", "canvas:101", "--gradebook", path, "--total", "--score", "3"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and "--reason" in refused.stderr
    history = subprocess.run([*cli, "history", "101", "--gradebook", path], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    lines = history.splitlines()
    assert lines[0] == "History of canvas:101:"
    assert "graded" in lines[1] and "override set" in lines[2] and "slow loop (private)" in lines[2]


def test_a_not_gradable_file_can_be_given_a_score_by_hand(gradebook, roster):
    gradebook.override("canvas:106", "total", 6, reason="graded by hand", author="x")
    fermat = entries(gradebook, roster)["Fermat"]
    assert fermat.status == "not gradable" and fermat.final == 6


def test_overrides_belong_to_one_lab_when_a_gradebook_holds_two(gradebook):
    from autograder.lab import get_lab

    network = get_lab("tf_network")
    run = gradebook.start_run(network, "n1", "grade")
    ada_network = Submission(Path("class/lovelaceada_101_9_tf_network.ipynb"), "ada_network",
                             b"{}", "sha-ada-network", student="canvas:101")  # fmt: skip
    gradebook.record(run, "n1", ada_network, result(7), "")
    with pytest.raises(OverrideError, match="results for 2 labs"):
        gradebook.override("canvas:101", "total", 1, reason="r", author="x")
    gradebook.override("canvas:101", "total", 1, reason="r", author="x", lab=LAB.reference)
    rows = {row["name"]: row for row in gradebook.current_submissions()}
    assert len(rows["lovelaceada_101_1_tf_intro"]["overrides"]) == 1
    assert rows["ada_network"]["overrides"] == []
    assert {event["lab"] for event in gradebook.history("canvas:101", "tf_network")} == {
        "tf_network"
    }
