"""What the sandbox reports when the kernel refuses a defence, and whom it protects."""

import os
import signal
import tempfile
import time

from autograder.intake import Submission
from autograder.report import sandbox_gaps
from autograder.results import SubmissionResult
from autograder.sandbox import confine, landlock
from autograder.sandbox.confine import Policy


def test_a_kernel_without_landlock_is_reported_not_silently_skipped(monkeypatch, tmp_path):
    monkeypatch.setattr(landlock, "abi_version", lambda: 0)
    outcome = confine._attempt(lambda: confine._filesystem_rules(Policy(tmp_path)), "")
    assert outcome == "NOT APPLIED: Landlock is not available on this kernel"


def test_refused_defences_are_counted_for_the_instructor(tmp_path):
    def graded(sandbox: dict) -> tuple[Submission, SubmissionResult]:
        result = SubmissionResult(score=1.0, tests=[], output="", extra_data={"sandbox": sandbox})
        return Submission(tmp_path / "a.ipynb", "a", b"", "h"), result

    results = [
        graded({"network": "NOT APPLIED: Operation not permitted", "filesystem": "Landlock"}),
        graded({"network": "NOT APPLIED: Operation not permitted"}),
        graded({"network": "own network namespace"}),
    ]
    assert sandbox_gaps(results) == [
        "2 submission(s) ran without the sandbox's network defence:"
        " NOT APPLIED: Operation not permitted"
    ]


def test_the_grader_package_is_left_out_of_what_the_student_may_read(tmp_path):
    tree = tmp_path / "site-packages"
    (tree / "autograder" / "labs").mkdir(parents=True)
    (tree / "numpy").mkdir()
    (tree / "six.py").write_text("")
    hidden = [str(tree / "autograder")]
    allowed = sorted(confine._allowed_parts(str(tree), hidden))
    assert allowed == [str(tree / "numpy"), str(tree / "six.py")]
    assert confine._allowed_parts(str(tmp_path / "elsewhere"), hidden) == [
        str(tmp_path / "elsewhere")
    ]


def test_each_student_process_gets_a_user_id_of_its_own():
    assert confine.student_uid(1234) != confine.student_uid(1235)
    assert confine.student_uid(os.getpid()) > 1_000_000_000


def test_the_cpu_time_limit_stops_a_process_that_never_yields(tmp_path):
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only burns CPU until the kernel stops it
        try:
            confine._set_limits(Policy(tmp_path, cpu_seconds=1))
            signal.signal(signal.SIGXCPU, signal.SIG_IGN)  # ignoring the warning won't help
            while True:
                pass
        finally:
            os._exit(0)
    deadline = time.monotonic() + 120  # bounds the test if the limit fails, asserts nothing
    while (ended := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    if ended[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise AssertionError("the CPU time limit did not stop the process")
    assert os.WIFSIGNALED(ended[1]) and os.WTERMSIG(ended[1]) == signal.SIGKILL


def test_private_folders_are_made_where_the_student_user_can_reach_them(tmp_path, monkeypatch):
    closed = tmp_path / "closed"
    (closed / "tmp").mkdir(parents=True)
    closed.chmod(0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(closed / "tmp"))
    reachable = confine.reachable_temp_dir()
    assert reachable != str(closed / "tmp")
    assert confine._first_closed_ancestor(reachable) is None
