"""A batch survives the grader's own processes being killed under it."""

import os
import signal
import threading
import time
from pathlib import Path

from autograder.batch import grade_batch
from autograder.grade import GradingOptions
from autograder.intake import discover
from autograder.labs.tf_intro import LAB
from tests.conftest import CORPUS

REFERENCE = CORPUS / "notebooks" / "valid_reference.ipynb"


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def kill_once_a_student_runs(pick, killed: list[int]) -> threading.Thread:
    """SIGKILL the processes `pick` chooses, once a student's process is running under it."""

    def watch():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for server in [
                p for p in children_of_tree(os.getpid()) if "sandbox.forkserver" in command_of(p)
            ]:
                if children_of(server):  # a student's process is being graded
                    for victim in pick(server):
                        os.kill(victim, signal.SIGKILL)
                        killed.append(victim)
                    return
            time.sleep(0.2)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def children_of_tree(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        kids = [kid for parent in frontier for kid in children_of(parent)]
        found += kids
        frontier = kids
    return found


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def the_worker_above(server: int) -> list[int]:
    return [parent_of(server)]


def the_server(server: int) -> list[int]:
    return [server]


def the_server_and_its_student(server: int) -> list[int]:
    """A server killed alone leaves its student's process to finish the submission it held;
    killing both makes that submission fail in the grader, so it must be graded again."""
    return [*children_of(server), server]


def class_of(tmp_path: Path, count: int):
    for n in range(count):
        (tmp_path / f"student{n}.ipynb").write_bytes(REFERENCE.read_bytes())
    return discover(tmp_path)


def test_a_worker_killed_mid_batch_costs_no_submission(tmp_path):
    submissions = class_of(tmp_path, 3)
    killed: list[int] = []
    watcher = kill_once_a_student_runs(the_worker_above, killed)
    results = list(grade_batch(submissions, LAB, GradingOptions(), workers=2))
    watcher.join()
    assert killed, "no worker was killed: the test did not test anything"
    assert sorted(s.name for s, _ in results) == ["student0", "student1", "student2"]
    assert [result.score for _, result in results] == [10.0, 10.0, 10.0]


def test_a_fork_server_killed_mid_submission_is_started_again(tmp_path):
    submissions = class_of(tmp_path, 2)
    killed: list[int] = []
    watcher = kill_once_a_student_runs(the_server, killed)
    results = list(grade_batch(submissions, LAB, GradingOptions(), workers=1))
    watcher.join()
    assert killed, "no fork server was killed: the test did not test anything"
    assert [result.score for _, result in results] == [10.0, 10.0]


def test_a_submission_whose_fork_server_dies_every_time_is_a_grader_failure(tmp_path):
    submissions = class_of(tmp_path, 1)
    killed: list[int] = []
    killed_again: list[int] = []

    def kill_twice():  # the first server, then the one started to grade it again
        kill_once_a_student_runs(the_server_and_its_student, killed).join()
        kill_once_a_student_runs(the_server_and_its_student, killed_again).join()

    watcher = threading.Thread(target=kill_twice, daemon=True)
    watcher.start()
    [(_, result)] = list(grade_batch(submissions, LAB, GradingOptions(), workers=1))
    watcher.join()
    assert killed and killed_again, "the fork server was not killed twice"
    assert result.extra_data.get("grader_failure") is True
    assert result.score == 0.0
    assert "the grader failed on this submission" in result.output


def test_a_fork_server_killed_in_a_pool_worker_is_started_again_for_the_rest(tmp_path):
    # Enough submissions that the worker whose server is killed grades several more.
    submissions = class_of(tmp_path, 6)
    killed: list[int] = []
    watcher = kill_once_a_student_runs(the_server_and_its_student, killed)
    results = list(grade_batch(submissions, LAB, GradingOptions(), workers=2))
    watcher.join()
    assert killed, "no fork server was killed: the test did not test anything"
    assert sorted(s.name for s, _ in results) == [f"student{n}" for n in range(6)]
    failures = [r.output for _, r in results if r.extra_data.get("grader_failure")]
    assert failures == []
    assert [result.score for _, result in results] == [10.0] * 6
