"""Grading on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started here from the project's environment as an instructor would start them.

The cluster gives the same verdicts and gradebook rows as grading on this machine; a worker
killed mid-batch loses nothing; a submission that kills its worker every time is the
grader's failure; workers with other versions, and a scheduler that isn't there, are
refused with the reason.
"""

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.cluster.client import connect, grade_on_cluster
from autograder.cluster.lab_copy import LabCopies, pack_lab
from autograder.grade import GradingOptions
from autograder.gradebook import lab_version
from autograder.intake import discover
from autograder.lab import LabError, get_lab
from autograder.new_lab import new_lab
from tests.conftest import CORPUS, ROOT, grade_folder, notebook_bytes, part_scores
from tests.dask_cluster import Cluster

pytest.importorskip("distributed", reason="the dev extra installs Dask distributed")

MIX = [
    "valid_reference",
    "valid_helper_function",
    "mistake_cost_outside_tape",
    "game_float_subclass",
    "untouched_student",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = Cluster(tmp_path_factory.mktemp("dask-logs"))
    try:
        started.add_worker()
        started.add_worker()
        started.wait_for_workers(2)
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def mix(tmp_path_factory) -> Path:
    """Valid, mistaken, gaming and untouched notebooks, an otter export and a broken file."""
    folder = tmp_path_factory.mktemp("mix")
    for name in MIX:
        shutil.copy(CORPUS / "notebooks" / f"{name}.ipynb", folder)
    shutil.copy(ROOT / "examples" / "submissions" / "otter_export_valid_lambda.zip", folder)
    (folder / "broken.ipynb").write_text("{ not json")
    return folder


def gradebook_rows(path: Path) -> dict[str, tuple]:
    """Each submission's row, without what differs between any two runs (ids, times)."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT name, student, late, superseded_by, sha256, lab_version, grader_version,"
            " score, max_score, gradable, output, result_json FROM submissions"
        ).fetchall()
    table = {}
    for *fields, result_json in rows:
        result = json.loads(result_json)
        verdicts = [(test["name"], test["status"], test["score"]) for test in result["tests"]]
        assert fields[0] not in table, f"{fields[0]} has two rows"
        table[fields[0]] = (*fields[1:], verdicts)
    return table


@pytest.fixture(scope="module")
def graded(cluster, mix, tmp_path_factory) -> tuple[Path, dict, Path, dict]:
    """The mix graded on this machine and on the cluster: (folder, results) of each."""
    local = tmp_path_factory.mktemp("local")
    remote = tmp_path_factory.mktemp("dask")
    return (
        local,
        grade_folder(mix, local, "--workers", "2"),
        remote,
        grade_folder(mix, remote, "--dask", cluster.address),
    )


def test_a_cluster_grades_like_this_machine(graded):
    local_out, local, remote_out, remote = graded
    assert set(remote) == set(local) == {*MIX, "otter_export_valid_lambda", "broken"}
    for name in local:
        assert part_scores(remote[name]) == part_scores(local[name]), name
        assert [t["status"] for t in remote[name]["tests"]] == [
            t["status"] for t in local[name]["tests"]
        ], name
    assert remote["valid_reference"]["score"] == 10
    assert remote["broken"]["score"] == 0 and "Not graded" in remote["broken"]["output"]
    local_rows = gradebook_rows(local_out / "gradebook.sqlite")
    assert gradebook_rows(remote_out / "gradebook.sqlite") == local_rows


def test_a_second_run_on_the_cluster_grades_nothing_again(cluster, mix, graded):
    """Also through the scheduler file, as a Slurm job shares the scheduler's address."""
    out = graded[2]
    again = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(mix), "--out", str(out)]
        + ["--dask", str(cluster.scheduler_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    status = " ".join(again.stderr.split())  # the status line wraps at the terminal's width
    assert "0 to grade" in status and f"{len(MIX) + 2} already in the gradebook" in status
    assert len(gradebook_rows(out / "gradebook.sqlite")) == len(MIX) + 2


def test_a_client_killed_mid_batch_resumes_where_it_stopped(cluster, mix, graded, tmp_path):
    """SIGKILL the instructor's command after its first result: the rerun grades only the
    rest, and every submission ends with one row and the verdict of an uninterrupted run."""
    out = tmp_path / "resumed"
    command = [sys.executable, "-m", "autograder.cli", "grade", str(mix), "--out", str(out)]
    first = subprocess.Popen(
        [*command, "--dask", cluster.address],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not list(out.glob("*.json")) and time.monotonic() < deadline:
        assert first.poll() is None, "the first run ended before any result"
        time.sleep(0.2)
    first.kill()
    first.wait()
    recorded = len(gradebook_rows(out / "gradebook.sqlite"))
    assert 1 <= recorded < len(MIX) + 2, "killed mid-batch"
    again = subprocess.run(
        [*command, "--dask", cluster.address], capture_output=True, text=True, check=True
    )
    status = " ".join(again.stderr.split())
    assert f"{len(MIX) + 2 - recorded} to grade" in status, status
    rows = gradebook_rows(out / "gradebook.sqlite")
    assert rows == gradebook_rows(graded[2] / "gradebook.sqlite")


def test_a_worker_killed_mid_batch_loses_nothing(cluster, tmp_path):
    """Runs last of the tests on the shared cluster: it leaves one worker."""
    folder = tmp_path / "batch"
    folder.mkdir()
    names = []
    for index in range(4):  # distinct contents: each is graded, none taken from another
        name = f"student_{index}"
        source = (CORPUS / "notebooks" / f"{MIX[index % 3]}.ipynb").read_text()
        notebook = json.loads(source)
        notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": name})
        (folder / f"{name}.ipynb").write_text(json.dumps(notebook))
        names.append(name)
    expected = {"valid_reference": 10.0, "valid_helper_function": 10.0}
    submissions = discover(folder)
    lab = get_lab("tf_intro")
    seen: list[str] = []
    scores = {}
    with connect(cluster.address) as client:
        killed = None
        for submission, result in grade_on_cluster(client, submissions, lab, GradingOptions()):
            seen.append(submission.name)
            scores[submission.name] = result
            if killed is None:
                worker_names = {
                    address: worker["name"]
                    for address, worker in client.scheduler_info()["workers"].items()
                }
                busy = [
                    worker_names[address] for address, keys in client.processing().items() if keys
                ]
                assert busy, "a worker is grading when the first result comes back"
                killed = busy[0]
                cluster.kill(cluster.workers[killed])
    assert sorted(seen) == sorted(names), "every submission once, none lost, none twice"
    for index, name in enumerate(names):
        result = scores[name]
        assert not result.extra_data.get("grader_failure"), (name, result.output)
        want = expected.get(MIX[index % 3])
        if want is not None:
            assert result.score == want, (name, result.output)


def test_a_submission_that_kills_its_worker_every_time_is_the_graders_failure(tmp_path):
    lab = tmp_path / "crash_lab"
    new_lab(lab, "crash_lab")  # the lab `autograder new-lab` writes
    with (lab / "checks" / "check_scale.py").open("a") as checks:
        checks.write(
            "\n\n@pytest.fixture(autouse=True)\n"
            "def _grader_dies_on_99(observe):\n"
            "    # A grader-side crash on one answer: it takes the whole worker process down\n"
            '    if observe("scale_run", values=[1.0], factor=1.0)["outputs"] == [99.0]:\n'
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
        )
    text = (lab / "checks" / "check_scale.py").read_text()
    (lab / "checks" / "check_scale.py").write_text(
        "import os\nimport signal\n\nimport pytest\n" + text
    )
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "crasher.ipynb").write_bytes(notebook_bytes("def scale(x, factor):\n    return 99.0"))
    (folder / "right.ipynb").write_bytes(
        notebook_bytes("def scale(x, factor):\n    return x * factor")
    )
    crash_cluster = Cluster(tmp_path)
    try:
        crash_cluster.add_worker()
        crash_cluster.wait_for_workers(1)
        results = grade_folder(
            folder, tmp_path / "out", "--lab", str(lab), "--dask", crash_cluster.address
        )
    finally:
        crash_cluster.stop()
    assert results["right"]["score"] == 2
    crashed = results["crasher"]
    assert crashed["score"] == 0 and crashed["extra_data"].get("grader_failure")
    assert "the grader failed on this submission" in crashed["output"]
    assert "died 2 times" in crashed["output"]


def test_workers_with_other_versions_are_refused_with_the_versions(tmp_path):
    preload = tmp_path / "older_tensorflow.py"
    preload.write_text(
        # A worker with another TensorFlow (Dask may run a preload twice: patch once)
        "import autograder.versions as versions\n"
        "real = getattr(versions, 'real_package_version', versions.package_version)\n"
        "versions.real_package_version = real\n"
        "versions.package_version = lambda p: '2.20.0' if p == 'tensorflow' else real(p)\n"
    )
    other = Cluster(tmp_path)
    try:
        # ... and a secret for the hidden inputs that this machine doesn't have
        environment = {**os.environ, "AUTOGRADER_SECRET": "the workers' own"}
        other.add_worker("--preload", str(preload), env=environment)
        other.wait_for_workers(1)
        refused = subprocess.run(
            [sys.executable, "-m", "autograder.cli", "grade", str(CORPUS / "notebooks")]
            + ["--out", str(tmp_path / "out"), "--dask", other.address],
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "AUTOGRADER_SECRET"},
        )
    finally:
        other.stop()
    assert refused.returncode == 1
    assert "refusing to grade" in refused.stderr
    message = " ".join(refused.stderr.split())
    assert "tensorflow 2.20.0 (client: 2.21.0)" in message
    assert "AUTOGRADER_SECRET set (sha256 " in message and "(client: not set)" in message
    assert "the workers' own" not in message, "the secret itself is never shown"
    assert not list((tmp_path / "out").glob("*.json")), "nothing graded"


def test_an_unreachable_scheduler_is_a_clear_error_at_start(tmp_path):
    # A port bound here but never listened on: a connection to it is refused, and no other
    # process can take it while the command runs.
    with socket.socket() as nobody:
        nobody.bind(("127.0.0.1", 0))
        port = nobody.getsockname()[1]
        started = time.monotonic()
        failed = subprocess.run(
            [sys.executable, "-m", "autograder.cli", "grade", str(CORPUS / "notebooks")]
            + ["--out", str(tmp_path / "out"), "--dask", f"tcp://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
        )
    assert failed.returncode == 1
    assert "can't reach the Dask scheduler at tcp://127.0.0.1:" in failed.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()


def test_a_lab_a_worker_lacks_is_unpacked_from_what_the_client_sent(tmp_path):
    lab = get_lab("tf_network")
    archive = pack_lab(lab)
    copies = LabCopies()
    try:
        copy = copies.get(str(tmp_path / "not-on-this-worker"), lab_version(lab), archive)
        assert copy.folder != lab.folder and copy.parts == lab.parts
        assert (copy.checks_dir / "check_model.py").is_file()
        assert oct(Path(copy.folder).parent.stat().st_mode & 0o777) == "0o700"
        assert copies.get("tf_network", lab_version(lab), archive) is copy  # once per version
        with pytest.raises(LabError, match="not version"):
            LabCopies().get("elsewhere", "0" * 16, archive)
    finally:
        copies.close()
    found = LabCopies().get("tf_network", lab_version(lab), b"")  # its own identical copy
    assert found.folder == lab.folder


def test_a_run_with_nothing_to_grade_does_not_contact_the_cluster(mix, graded):
    """Every submission is in the gradebook: the run says so and never connects, so an
    address nobody answers at (a port bound here, never listened on) is no error."""
    with socket.socket() as nobody:
        nobody.bind(("127.0.0.1", 0))
        port = nobody.getsockname()[1]
        again = subprocess.run(
            [sys.executable, "-m", "autograder.cli", "grade", str(mix), "--out", str(graded[2])]
            + ["--dask", f"tcp://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
        )
    assert again.returncode == 0, again.stderr
    status = " ".join(again.stderr.split())
    assert "0 to grade" in status and "not contacted" in status, status
    assert len(gradebook_rows(graded[2] / "gradebook.sqlite")) == len(MIX) + 2
