"""bench.gpu_check where there is no GPU: a child confined with the --gpu rules, checked.

On a machine with a GPU the script takes the GPU's path instead; run it there by hand.
"""

import glob
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox import landlock

ROOT = Path(__file__).resolve().parents[1]
DEFENCES = {"limits", "network", "user", "filesystem"}

pytestmark = [
    pytest.mark.skipif(bool(glob.glob("/dev/nvidia*")), reason="a GPU is here: run the script"),
    pytest.mark.skipif(landlock.abi_version() < 1, reason="the --gpu rules need Landlock"),
]


def gpu_check(tmp_path: Path, *args: str, python: tuple[str, ...] = (sys.executable,)) -> dict:
    """Run the script from the repository root; its exit status, output and JSON summary."""
    summary = tmp_path / "summary.json"
    completed = subprocess.run(
        [*python, "-m", "bench.gpu_check", "--json", str(summary), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "no GPU on this machine" in completed.stdout
    return json.loads(summary.read_text())


def assert_applied_with_the_gpu_rules(defences: dict[str, str]) -> None:
    assert defences.keys() == DEFENCES
    assert not [text for text in defences.values() if text.startswith("NOT APPLIED")], defences
    assert (
        "--gpu: the GPU's device files and its own threads' names writable"
        in (defences["filesystem"])
    )


def test_with_only_the_standard_library_a_child_confined_for_the_gpu_names_its_threads(
    tmp_path,
):
    # -S: no site-packages, as on a GPU machine where the package is not installed and
    # there is no numpy or TensorFlow
    summary = gpu_check(tmp_path, python=(sys.executable, "-S"))
    sandboxed = summary["sandboxed"]
    assert_applied_with_the_gpu_rules(sandboxed["defences"])
    reach = sandboxed["access"]
    assert reach["thread names (/proc/PID/task/TID/comm)"] == "ok"
    assert reach["own /proc/PID/comm (to be refused)"] == "EACCES"
    assert reach["private folder"] == "ok"
    assert summary["correct"] and not summary["on GPU"]
    assert summary["machine"]["framework"] == "none"


def test_through_the_fork_server_the_student_process_grows_gpu_memory_as_needed(tmp_path):
    summary = gpu_check(tmp_path, "--framework", "tensorflow")
    sandboxed = summary["sandboxed"]
    assert_applied_with_the_gpu_rules(sandboxed["defences"])
    assert sandboxed["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert summary["correct"] and not summary["on GPU"]
