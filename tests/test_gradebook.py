"""The SQLite gradebook: complete, idempotent, and intact after the grader is killed."""

import dataclasses
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from autograder.gradebook import Gradebook, lab_version
from autograder.lab import Lab
from autograder.labs.tf_intro import LAB
from autograder.results import SubmissionResult, TestResult
from autograder.submission import Submission
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


def copy_of_the_lab(tmp_path) -> Lab:
    """The lab's folder copied, so its code can be edited as an instructor would."""
    folder = tmp_path / LAB.name
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(LAB.checks_dir.parent, folder, ignore=ignore)
    return dataclasses.replace(LAB, checks_dir=folder / LAB.checks_dir.name)


@pytest.mark.parametrize("edited", ["checks/check_train_step.py", "probes.py"])
def test_editing_the_lab_code_changes_lab_version_so_a_rerun_regrades(tmp_path, edited):
    lab = copy_of_the_lab(tmp_path)
    before = lab_version(lab)
    assert lab_version(lab) == before  # the same code: a rerun grades nothing again
    book = Gradebook.open(tmp_path / "g.sqlite")
    run = book.start_run(lab, before, "test")
    book.record(
        run, before, Submission(tmp_path / "a.ipynb", "a", b"{}", "hash-a"), result(1.0), ""
    )
    assert book.previous_result("hash-a", before).score == 1.0

    source = lab.checks_dir.parent / edited
    original = source.read_text()
    source.write_text(original + "\nTOLERANCE = 1e-3  # loosened\n")
    after = lab_version(lab)
    assert after != before
    # The lookup a rerun makes for each submission misses: it is graded again.
    assert book.previous_result("hash-a", after) is None

    source.write_text(original)  # the edit undone: the recorded result counts again
    assert lab_version(lab) == before


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


def test_a_file_identical_to_one_graded_before_gets_a_row_and_a_result_of_its_own(tmp_path):
    """Two students hand in the same bytes (both untouched, or copied), the second after
    the first was graded, or in a run killed before its turn: the verdict is reused, but
    the second student must still have a row, or the exports would leave them out."""
    folder = _class_folder(tmp_path / "class", 2)
    out = tmp_path / "out"
    assert _grade(folder, out).wait() == 0
    shutil.copy(folder / "student00.ipynb", folder / "student02.ipynb")
    again = grade_cli(folder, out)
    assert again.returncode == 0, again.stderr
    assert "0 to grade" in " ".join(again.stderr.split())
    latest = _latest(out / "gradebook.sqlite")
    copy, original = (
        latest[str(folder / "student02.ipynb")],
        latest[str(folder / "student00.ipynb")],
    )
    assert copy["sha256"] == original["sha256"] and copy["score"] == original["score"]
    assert copy["checks"] == original["checks"]
    written = SubmissionResult.from_json(json.loads((out / "student02.json").read_text()))
    assert written.extra_data["submission"]["path"] == str(folder / "student02.ipynb")
    assert [rows for _, rows, _ in _submissions_per_run(out / "gradebook.sqlite")] == [2, 1]
    assert grade_cli(folder, out).returncode == 0  # and no row again after that
    assert [rows for _, rows, _ in _submissions_per_run(out / "gradebook.sqlite")] == [2, 1]


def grade_cli(folder, out) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(out)]
    return subprocess.run([*command, "--workers", "1"], capture_output=True, text=True)


def gradebook_rows(out) -> list[tuple[str, str]]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return sorted(db.execute("SELECT name, sha256 FROM submissions"))


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small filesystem needs root")
def test_a_full_disk_stops_the_batch_with_a_clear_error_and_the_gradebook_stays_intact(
    tmp_path,
):
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(out)], check=True)
    try:
        folder = tmp_path / "class"
        folder.mkdir()
        for n in range(3):  # files that fail fast: this is about storage, not grading
            (folder / f"early{n}.ipynb").write_text(f"not a notebook {n}")
        assert grade_cli(folder, out).returncode == 0
        before = gradebook_rows(out)
        assert len(before) == 3
        with open(out / "filler", "wb") as filler:
            with pytest.raises(OSError):
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
        for n in range(3):
            (folder / f"late{n}.ipynb").write_text(f"still not a notebook {n}")
        full = grade_cli(folder, out)
        assert full.returncode != 0
        assert "stopped: could not write" in full.stderr
        assert "No space left" in full.stderr or "full" in full.stderr
        assert gradebook_rows(out) == before
        assert not list(out.glob(".*.partial"))
        (out / "filler").unlink()
        assert grade_cli(folder, out).returncode == 0
        after = gradebook_rows(out)
        assert len(after) == 6 and set(before) <= set(after)
        assert sorted(path.stem for path in out.glob("*.json")) == [name for name, _ in after]
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)


def test_a_result_the_grader_failed_on_is_not_kept_as_final(tmp_path):
    book = Gradebook.open(tmp_path / "g.sqlite")
    run = book.start_run(LAB, "v1", "test")
    failed = result(0.0)
    failed.extra_data["grader_failure"] = True
    book.record(run, "v1", Submission(tmp_path / "a.ipynb", "a", b"{}", "hash-a"), failed, "")
    assert book.previous_result("hash-a", "v1") is None
