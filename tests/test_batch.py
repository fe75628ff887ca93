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
    """SIGKILL the process `pick` chooses, once a student's process is running under it."""

    def watch():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for server in [
                p for p in children_of_tree(os.getpid()) if "sandbox.forkserver" in command_of(p)
            ]:
                if children_of(server):  # a student's process is being graded
                    victim = pick(server)
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


def class_of(tmp_path: Path, count: int):
    for n in range(count):
        (tmp_path / f"student{n}.ipynb").write_bytes(REFERENCE.read_bytes())
    return discover(tmp_path)


def test_a_worker_killed_mid_batch_costs_no_submission(tmp_path):
    submissions = class_of(tmp_path, 3)
    killed: list[int] = []
    watcher = kill_once_a_student_runs(parent_of, killed)  # the worker above the server
    results = list(grade_batch(submissions, LAB, GradingOptions(), workers=2))
    watcher.join()
    assert killed, "no worker was killed: the test did not test anything"
    assert sorted(s.name for s, _ in results) == ["student0", "student1", "student2"]
    assert [result.score for _, result in results] == [10.0, 10.0, 10.0]


def test_a_fork_server_killed_mid_submission_is_started_again(tmp_path):
    submissions = class_of(tmp_path, 2)
    killed: list[int] = []
    watcher = kill_once_a_student_runs(lambda server: server, killed)
    results = list(grade_batch(submissions, LAB, GradingOptions(), workers=1))
    watcher.join()
    assert killed, "no fork server was killed: the test did not test anything"
    assert [result.score for _, result in results] == [10.0, 10.0]
