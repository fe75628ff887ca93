"""A long run that dies halfway: the instructor's command killed, or the Dask scheduler killed
and started again. Rerunning the same command resumes: every submission ends with exactly
one gradebook row and its right score, and nothing already recorded is graded again.

The class is a few hundred notebooks of the lab `autograder new-lab` writes (grading one
takes a tenth of a second), so that a kill lands mid-run in a test that takes a minute; the
same runs at 10,000 submissions are `bench/scale.py`'s.
"""

import contextlib
import io
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from autograder.new_lab import new_lab
from tests.conftest import notebook_bytes

pytest.importorskip("distributed", reason="the dev extra installs Dask distributed")

SIZE = 160
# The body of scale(x, factor), and its score out of 2, as different students write it
ANSWERS = [
    ("return x * factor", 2.0),
    ("return tf.multiply(tf.cast(x, tf.float32), factor)", 2.0),
    ("product = factor * x\n    return product", 2.0),
    ("return x + factor", 1.0),
    ("...", 0.0),
]


@pytest.fixture(scope="module")
def fast_class(tmp_path_factory) -> tuple[Path, Path, dict[str, float]]:
    """(the lab, the class folder, each submission's expected score): SIZE notebooks, each
    with bytes of its own (the student's number in a comment), a few not notebooks at all."""
    root = tmp_path_factory.mktemp("fast_class")
    lab = root / "fast_lab"
    new_lab(lab, "fast_lab")  # the lab `autograder new-lab` writes
    folder = root / "class"
    folder.mkdir()
    expected = {}
    for number in range(SIZE):
        name = f"student_{number:04d}"
        if number % 40 == 7:
            (folder / f"{name}.ipynb").write_text(f"not a notebook {number}")
            expected[name] = 0.0
            continue
        body, score = ANSWERS[number % len(ANSWERS)]
        cells = ("import numpy as np\nimport tensorflow as tf",
                 f"# student {number}\ndef scale(x, factor):\n    {body}")  # fmt: skip
        (folder / f"{name}.ipynb").write_bytes(notebook_bytes(*cells))
        expected[name] = score
    return lab, folder, expected


def grade_command(lab: Path, folder: Path, out: Path, *engine: str) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(out),
            "--lab", str(lab), *engine]  # fmt: skip


def rows(out: Path) -> list[tuple[str, str, float]]:
    """(name, sha256, score) of every row the gradebook holds, all runs together."""
    with contextlib.closing(sqlite3.connect(out / "gradebook.sqlite")) as connection:
        return connection.execute("SELECT name, sha256, score FROM submissions").fetchall()


def wait_for_rows(out: Path, at_least: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before the kill"
        try:
            if len(rows(out)) >= at_least:
                return
        except sqlite3.Error:  # not created yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} rows after 300 s")


def rerun_resumes(command: list[str], out: Path, expected: dict[str, float]) -> None:
    """The same command again: it grades only what has no row, and then every submission
    has exactly one row with its score, and a result file that agrees."""
    recorded = {name for name, _, _ in rows(out)}
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-3000:]
    status = " ".join(again.stderr.split())
    assert f"{SIZE - len(recorded)} to grade" in status, status
    assert f"{len(recorded)} already in the gradebook" in status, status
    final = rows(out)
    names = [name for name, _, _ in final]
    assert sorted(names) == sorted(expected), "one row per submission: none lost, none twice"
    assert {name: score for name, _, score in final} == expected
    for name, score in expected.items():
        assert json.loads((out / f"{name}.json").read_text())["score"] == score


def test_a_client_killed_halfway_leaves_nothing_running_and_the_rerun_resumes(fast_class, tmp_path):
    """Only the instructor's process is killed, as the kernel's OOM killer would: its worker
    processes and their fork servers must not go on grading for nobody."""
    lab, folder, expected = fast_class
    out = tmp_path / "out"
    command = grade_command(lab, folder, out, "--workers", "2")
    client = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_rows(out, SIZE // 2, client)
    below = psutil.Process(client.pid).children(recursive=True)
    assert below, "the workers are the client's children"
    client.send_signal(signal.SIGKILL)
    client.wait()
    assert SIZE // 2 <= len(rows(out)) < SIZE, "killed halfway"
    _, alive = psutil.wait_procs(below, timeout=60)
    assert not alive, f"still running after the client died: {[p.cmdline() for p in alive]}"
    rerun_resumes(command, out, expected)


def test_a_scheduler_killed_mid_run_then_restarted_loses_nothing_and_grades_nothing_twice(
    fast_class, tmp_path
):
    from tests.dask_cluster import Cluster

    lab, folder, expected = fast_class
    out = tmp_path / "out"
    first = Cluster(_logs(tmp_path / "first"))
    try:
        first.add_worker()
        first.add_worker()
        first.wait_for_workers(2)
        command = grade_command(lab, folder, out, "--dask", first.address)
        client = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)  # fmt: skip
        wait_for_rows(out, SIZE // 4, client)
        first.kill(first.scheduler)
        _, stderr = client.communicate(timeout=120)  # Dask's client gives up after 15 s
        assert client.returncode == 1
        assert "run the same command again" in " ".join(stderr.split()), stderr[-2000:]
        recorded = rows(out)
        assert SIZE // 4 <= len(recorded) < SIZE, "killed mid-run"
        assert len({sha for _, sha, _ in recorded}) == len(recorded), "none recorded twice"
    finally:
        first.stop()  # its workers close once their scheduler is gone
    # Started again where it was, as an operator restarts a service; workers join it anew
    again = Cluster(_logs(tmp_path / "again"), port=first.port)
    try:
        again.add_worker()
        again.add_worker()
        again.wait_for_workers(2)
        rerun_resumes(command, out, expected)
    finally:
        again.stop()


def _logs(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder


def test_the_run_commits_each_result_as_it_arrives_and_keeps_no_notebook(fast_class, tmp_path):
    """The client's memory does not grow with the class: intake keeps where each file is,
    not its bytes, and the run's tally keeps a few lines, not every result."""
    from autograder.grade import GradingOptions
    from autograder.gradebook import Gradebook
    from autograder.grading_run import SHOWN_ROWS, grade_into, grading_engine, lab_of
    from autograder.intake import discover

    lab_folder, folder, expected = fast_class
    found = discover(folder)
    assert len(found) == SIZE
    assert all(submission.data is None for submission in found), "no bytes held"
    submissions = found[: SHOWN_ROWS + 10]  # a run too large to list every row
    lab = lab_of(str(lab_folder))
    committed_before_next: list[bool] = []
    book = Gradebook.open(tmp_path / "gradebook.sqlite")

    class Watch:
        """Sees each result after its row is committed: the row is in the gradebook file."""

        def planned(self, *_): ...

        def graded(self, submission, result):
            with contextlib.closing(sqlite3.connect(tmp_path / "gradebook.sqlite")) as other:
                found = other.execute(
                    "SELECT COUNT(*) FROM submissions WHERE name = ?", (submission.name,)
                ).fetchone()[0]
            committed_before_next.append(found == 1)

    try:
        with grading_engine(lab, GradingOptions(), workers=2) as engine:
            run = grade_into(book, submissions, lab, engine, tmp_path, progress=Watch())
    finally:
        book.close()
    assert committed_before_next == [True] * len(submissions)
    assert run.count == len(submissions)
    assert run.total_score == sum(expected[s.name] for s in submissions)
    broken = sorted(s.name for s in submissions if int(s.name[-4:]) % 40 == 7)
    assert run.not_gradable == len(broken) > 0
    assert not run.every_row_shown and [row.name for row in run.rows] == broken
    assert all((tmp_path / f"{s.name}.json").exists() for s in submissions)
    shown = terminal_output(run, tmp_path)
    words = " ".join(shown.split())  # a title wider than its table wraps
    assert f"{len(submissions)} submission(s); not gradable: {len(broken)}" in words
    listed = [name for name in found_names(submissions) if f"│ {name} " in shown]
    assert listed == broken, "the table lists the submissions that were not gradable, only"
    assert "Every submission's score is in the gradebook" in words


def found_names(submissions) -> list[str]:
    return sorted(submission.name for submission in submissions)


def terminal_output(run, out: Path) -> str:
    """What `show_run` prints, table and totals, as the instructor's terminal shows it."""
    from rich.console import Console

    from autograder.terminal import show_run

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        show_run(run, out, Console(file=buffer, width=160))
    return buffer.getvalue()
