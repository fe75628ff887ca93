"""What the sandbox reports when the kernel refuses a defence, and whom it protects."""

import errno
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from autograder.results import SubmissionResult
from autograder.sandbox import confine, landlock
from autograder.sandbox.confine import Policy, grader_packages
from autograder.sandbox.environment import child_environment
from autograder.terminal import sandbox_gaps


def test_a_kernel_without_landlock_is_reported_not_silently_skipped(monkeypatch, tmp_path):
    monkeypatch.setattr(landlock, "abi_version", lambda: 0)
    outcome = confine._attempt(lambda: confine._filesystem_rules(Policy(tmp_path)), "")
    assert outcome == "NOT APPLIED: Landlock is not available on this kernel"


def test_refused_defences_are_counted_for_the_instructor(tmp_path):
    def graded(sandbox: dict) -> SubmissionResult:
        return SubmissionResult(score=1.0, tests=[], output="", extra_data={"sandbox": sandbox})

    results = [
        graded({"network": "NOT APPLIED: Operation not permitted", "filesystem": "Landlock"}),
        graded({"network": "NOT APPLIED: Operation not permitted"}),
        graded({"network": "own network namespace"}),
    ]
    assert sandbox_gaps(Counter(d for r in results for d in r.refused_defences())) == [
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


# -- what --gpu lets through --------------------------------------------------------------

WRITING = landlock.WRITE | landlock.IOCTL_DEV
OWN_TASKS = f"/proc/{os.getpid()}/task"  # the test process confines itself only on paper


def granted(policy: Policy) -> tuple[dict[str, int], str]:
    """Every path the ruleset would allow, with its rights, and its description."""
    ruleset, description = confine._filesystem_rules(policy)
    ruleset.close()
    rules: dict[str, int] = {}
    for path, access in ruleset.rules:
        rules[path] = rules.get(path, 0) | access
    return rules, description


def writable(rules: dict[str, int]) -> dict[str, int]:
    return {path: access for path, access in rules.items() if access & WRITING}


@pytest.fixture
def a_gpu_device(monkeypatch) -> str:
    """/dev/full stands in for the driver's device files on a machine without them."""
    monkeypatch.setattr(confine, "_GPU_DEVICES", ("/dev/ful[l]",))
    return "/dev/full"


needs_landlock = pytest.mark.skipif(landlock.abi_version() < 5, reason="needs Landlock ABI 5+")


@needs_landlock
def test_with_gpu_only_devices_and_its_own_thread_names_are_writable_besides_its_folder(
    tmp_path, a_gpu_device
):
    rules, description = granted(Policy(tmp_path, gpu=True))
    file_read = landlock.EXECUTE | landlock.READ_FILE
    assert writable(rules) == {
        str(tmp_path): landlock.READ | landlock.WRITE,
        os.devnull: file_read | landlock.WRITE_FILE | landlock.TRUNCATE,
        a_gpu_device: file_read | landlock.WRITE_FILE | landlock.IOCTL_DEV,
        OWN_TASKS: landlock.READ | landlock.WRITE_FILE | landlock.TRUNCATE,
    }
    in_proc = {path for path in rules if path.startswith("/proc/")}
    assert {path for path in in_proc if re.match(r"/proc/(self|thread-self|\d)", path)} == {
        f"/proc/{os.getpid()}",
        OWN_TASKS,
    }
    assert "--gpu: the GPU's device files and its own threads' names writable" in description


@needs_landlock
def test_without_gpu_neither_devices_nor_thread_names_are_writable(tmp_path, a_gpu_device):
    rules, description = granted(Policy(tmp_path))
    assert writable(rules).keys() == {str(tmp_path), os.devnull}
    assert OWN_TASKS not in rules and a_gpu_device not in rules
    assert "--gpu" not in description


def test_rights_an_older_kernel_does_not_know_are_left_out_of_the_rules(
    tmp_path, a_gpu_device, monkeypatch
):
    if landlock.abi_version() < 2:
        pytest.skip("needs a kernel that can make an ABI 2 ruleset")
    monkeypatch.setattr(landlock, "abi_version", lambda: 2)  # before TRUNCATE and IOCTL_DEV
    rules, _ = granted(Policy(tmp_path, gpu=True))
    assert rules[OWN_TASKS] == landlock.READ | landlock.WRITE_FILE
    assert rules[a_gpu_device] == landlock.EXECUTE | landlock.READ_FILE | landlock.WRITE_FILE


def outcome(action: Callable[[], object]) -> str:
    """ "ok", or the errno's name of the OSError the action raised."""
    try:
        action()
    except OSError as error:
        return errno.errorcode.get(error.errno or 0, str(error))
    return "ok"


def name_another_thread(name: str) -> str:
    """Name a second thread the way CUDA and pthread_setname_np do, by its comm file; the
    name it then has, or the errno's name of the refusal."""
    started, finish = threading.Event(), threading.Event()
    tids: list[int] = []

    def idle() -> None:
        tids.append(threading.get_native_id())
        started.set()
        finish.wait()

    thread = threading.Thread(target=idle)
    thread.start()
    started.wait()
    comm = Path(f"/proc/self/task/{tids[0]}/comm")
    try:
        with open(comm, "w") as handle:  # O_TRUNC, as CUDA opens it
            handle.write(name)
        return comm.read_text().strip()
    except OSError as error:
        return errno.errorcode.get(error.errno or 0, str(error))
    finally:
        finish.set()
        thread.join()


def in_confined_child(
    policy: Policy, action: Callable[[], dict], meanwhile: Callable[[], None] = lambda: None
) -> dict:
    """Fork, confine the child, run `meanwhile` here, then `action` there; its JSON result."""
    results, go = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            report = {"defences": confine.confine(policy)}
            os.write(results[1], b"\n")
            os.read(go[0], 1)
            report |= action()
            os.write(results[1], json.dumps(report).encode())
        finally:
            os._exit(0)
    os.close(results[1])
    try:
        assert os.read(results[0], 1) == b"\n", "the child died while being confined"
        meanwhile()
        os.write(go[1], b"x")
        with os.fdopen(results[0], "rb") as reader:
            return json.loads(reader.read())
    finally:
        os.waitpid(pid, 0)
        os.close(go[0])
        os.close(go[1])


@needs_landlock
def test_a_child_confined_for_the_gpu_names_its_threads_and_writes_nowhere_else():
    with (
        tempfile.TemporaryDirectory(dir=confine.reachable_temp_dir()) as private,
        tempfile.TemporaryDirectory(dir=confine.reachable_temp_dir()) as elsewhere,
    ):
        os.chmod(elsewhere, 0o777)  # only Landlock stands in the way of writing there

        def attempts() -> dict:
            adjustment = Path("/proc/self/oom_score_adj").read_text()
            return {
                "thread name": name_another_thread("cuda-like"),
                "own comm": outcome(lambda: Path("/proc/self/comm").write_text("x")),
                "oom_score_adj": outcome(
                    lambda: Path("/proc/self/oom_score_adj").write_text(adjustment)
                ),
                "elsewhere": outcome(lambda: Path(elsewhere, "note").write_text("x")),
                "private": outcome(lambda: Path(private, "note").write_text("x")),
            }

        report = in_confined_child(Policy(Path(private), gpu=True), attempts)
    assert "--gpu" in report["defences"]["filesystem"]
    assert report["thread name"] == "cuda-like"
    assert report["own comm"] == report["oom_score_adj"] == report["elsewhere"] == "EACCES"
    assert report["private"] == "ok"


def drop_dentries() -> None:
    with open("/proc/sys/vm/drop_caches", "w") as control:
        control.write("2")  # reclaimable dentries and inodes, as memory pressure would


@needs_landlock
def test_its_own_proc_entries_stay_allowed_after_the_kernel_evicts_them():
    try:
        drop_dentries()
    except OSError as error:
        pytest.skip(f"can't drop the kernel's dentry cache here: {error.strerror}")

    def after_eviction() -> dict:
        return {
            "status": outcome(lambda: Path("/proc/self/status").read_text()),
            "thread name": name_another_thread("after-drop"),
        }

    with tempfile.TemporaryDirectory(dir=confine.reachable_temp_dir()) as private:
        report = in_confined_child(Policy(Path(private), gpu=True), after_eviction, drop_dentries)
    assert report["status"] == "ok"
    assert report["thread name"] == "after-drop"


def test_with_gpu_tensorflow_takes_gpu_memory_as_it_needs_it():
    grader = {"CUDA_VISIBLE_DEVICES": "1", "TF_FORCE_GPU_ALLOW_GROWTH": "false"}
    env = child_environment(grader, gpu=True)
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert env["CUDA_VISIBLE_DEVICES"] == "1"  # which GPUs is the instructor's choice


def test_without_gpu_the_student_process_sees_none():
    env = child_environment({"CUDA_VISIBLE_DEVICES": "0", "AUTOGRADER_TOKEN": "t"}, gpu=False)
    assert env["CUDA_VISIBLE_DEVICES"] == "-1"
    assert "TF_FORCE_GPU_ALLOW_GROWTH" not in env and "AUTOGRADER_TOKEN" not in env


def test_every_importable_copy_of_the_grader_is_hidden(tmp_path, monkeypatch):
    """A second install of the grader (the Gradescope bundle's venv beside a checkout, say)
    holds the same hidden checks: it is hidden like the running one."""
    copy = tmp_path / "site-packages" / "autograder"
    (copy / "labs" / "some_lab" / "checks").mkdir(parents=True)
    (copy / "lab.py").write_text("")
    decoy = tmp_path / "elsewhere" / "autograder"  # a folder of that name, but no grader
    decoy.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [*sys.path, str(copy.parent), str(decoy.parent)])
    hidden = grader_packages()
    assert str(copy) in hidden and str(decoy) not in hidden
    assert str(Path(confine.__file__).resolve().parents[1]) in hidden
