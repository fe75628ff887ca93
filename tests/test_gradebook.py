"""The SQLite gradebook: complete, idempotent, and intact after the grader is killed."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from autograder.gradebook import Gradebook, lab_version
from autograder.intake import Submission
from autograder.labs.tf_intro import LAB
from autograder.results import SubmissionResult, TestResult
from tests.conftest import notebook_bytes


def result(score: float) -> SubmissionResult:
    tests = [
        TestResult("a", score, 1.0, "passed", tags=["train_step"]),
        TestResult("b", 0.0, 1.0, "failed", "why", tags=["minimize"]),
    ]
    return SubmissionResult(score=score, tests=tests, output="ran")


def test_a_recorded_result_is_found_again_by_content_and_lab_version(tmp_path):
    book = Gradebook.open(tmp_path / "g.sqlite")
    run = book.start_run(LAB, "v1", "test")
    book.record(run, "v1", Submission(tmp_path / "a.ipynb", "a", b"{}", "hash-a"), result(1.0), "")
    assert book.previous_result("hash-a", "v1").score == 1.0
    assert book.previous_result("hash-a", "v2") is None
    assert book.previous_result("hash-b", "v1") is None
    assert book.count("checks") == 2


def test_a_failed_record_leaves_nothing_behind(tmp_path):
    book = Gradebook.open(tmp_path / "g.sqlite")
    run = book.start_run(LAB, "v1", "test")
    broken = result(1.0)
    # The submission row goes in first; this check's duration can't be stored after it.
    broken.tests.append(TestResult("c", 1.0, 1.0, "passed", extra_data={"seconds": [1]}))
    with pytest.raises(sqlite3.Error):
        book.record(run, "v1", Submission(tmp_path / "a.ipynb", "a", b"{}", "h"), broken, "")
    assert book.count("submissions") == 0 and book.count("checks") == 0


def test_lab_version_changes_with_the_lab_code():
    assert len(lab_version(LAB)) == 16


def _class_folder(folder, count: int):
    folder.mkdir()
    for index in range(count):
        # Quick to grade: nothing is defined, so every probe fails at once.
        (folder / f"student{index:02d}.ipynb").write_bytes(notebook_bytes(f"x = {index}"))
    return folder


def _grade(folder, out, *extra, **popen):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            str(folder),
            "--out",
            str(out),
            "--workers",
            "1",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **popen,
    )


def _latest(path) -> dict:
    book = Gradebook.open(path)
    try:
        return book.latest()
    finally:
        book.close()


def _submissions_per_run(path) -> list[tuple[int, int, int]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT run_id, count(*), count(DISTINCT source_path) FROM submissions GROUP BY run_id"
        ).fetchall()


def test_sigkill_mid_batch_then_rerun_gives_the_uninterrupted_gradebook(tmp_path):
    folder = _class_folder(tmp_path / "class", 8)
    assert _grade(folder, tmp_path / "clean").wait() == 0
    expected = _latest(tmp_path / "clean" / "gradebook.sqlite")
    assert len(expected) == 8

    killed_book = tmp_path / "killed" / "gradebook.sqlite"
    grader = _grade(folder, tmp_path / "killed", start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if killed_book.exists() and len(_latest(killed_book)) >= 3:
            break
        time.sleep(0.2)
    os.killpg(grader.pid, signal.SIGKILL)
    grader.wait()
    partial = _latest(killed_book)
    assert 3 <= len(partial) < 8, "the kill must land mid-batch"

    assert _grade(folder, tmp_path / "killed").wait() == 0
    assert _latest(killed_book) == expected
    assert all(rows == distinct for _, rows, distinct in _submissions_per_run(killed_book))
    assert sum(rows for _, rows, _ in _submissions_per_run(killed_book)) == 8
    assert sorted(p.name for p in (tmp_path / "killed").glob("*.json")) == sorted(
        p.name for p in (tmp_path / "clean").glob("*.json")
    )


def test_a_rerun_without_changes_grades_nothing_and_force_regrades(tmp_path):
    folder = _class_folder(tmp_path / "class", 2)
    book = tmp_path / "out" / "gradebook.sqlite"
    assert _grade(folder, tmp_path / "out").wait() == 0
    assert _grade(folder, tmp_path / "out").wait() == 0
    assert [rows for _, rows, _ in _submissions_per_run(book)] == [2]
    (folder / "student00.ipynb").write_bytes(notebook_bytes("x = 'changed'"))
    assert _grade(folder, tmp_path / "out").wait() == 0
    assert [rows for _, rows, _ in _submissions_per_run(book)] == [2, 1]
    assert _grade(folder, tmp_path / "out", "--force").wait() == 0
    assert [rows for _, rows, _ in _submissions_per_run(book)] == [2, 1, 2]
