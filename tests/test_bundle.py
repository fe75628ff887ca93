"""The Gradescope autograder bundle, played against a temporary /autograder.

`autograder bundle` writes the zip; it is unpacked into ROOT/source as Gradescope does;
setup.sh runs; then run_autograder grades what ROOT/submission holds, once per
submission, and each ROOT/results/results.json is read as Gradescope reads it.

setup.sh runs against an environment prepared here: a fresh venv that sees this
project's installed packages through a .pth file, so its pip install of the pinned
requirements finds them all satisfied instead of downloading 2.7 GB. Everything else
setup.sh does runs for real: finding a Python, the pinned install, copying the grader
into the venv, the import check. A full install from nothing is measured by
bench/gradescope_footprint.py.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT, grade_folder, notebook_bytes, part_scores

GRADESCOPE_TEST_FIELDS = {"name", "score", "max_score", "status", "output", "visibility"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
LABELS = json.loads((CORPUS / "labels.json").read_text())["cases"]
CHECKS = ROOT / "autograder" / "labs" / "tf_intro" / "checks"

ON_TIME = "2026-12-01T20:00:00.000000-05:00"
DUE = "2026-12-01T23:59:00.000000-05:00"
# Each case: what the student uploads, and when. The notebooks are corpus cases, so the
# expected scores are their labels.
CASES = {
    "valid": ({"tf_intro.ipynb": CORPUS / "notebooks" / "valid_reference.ipynb"}, ON_TIME),
    "wrong": ({"tf_intro.ipynb": CORPUS / "notebooks" / "mistake_wrong_sign.ipynb"}, ON_TIME),
    "hostile": (
        {"tf_intro.ipynb": CORPUS / "notebooks" / "game_patch_test_runner.ipynb"},
        ON_TIME,
    ),
    # Reads every check file it can find, through sys.path and the installed package
    "snooping": (
        {"tf_intro.ipynb": CORPUS / "notebooks" / "game_reads_hidden_checks.ipynb"},
        ON_TIME,
    ),
    "otter_zip": (
        {
            "tf_intro_2026_12_01T20_00_00.zip": ROOT
            / "examples"
            / "submissions"
            / "otter_export_valid_lambda.zip"
        },
        ON_TIME,
    ),  # fmt: skip
    "late": (
        {"tf_intro.ipynb": CORPUS / "notebooks" / "valid_reference.ipynb"},
        "2026-12-02T09:00:00.000000-05:00",
    ),  # fmt: skip
}
# A cell that looks for the installed grader's check files and reports through its error
# message, which the result keeps: which it found, and whether any could be read.
SNOOP = """
import glob, importlib.util, os, sys, sysconfig
# Where setup.sh put it, whether or not the folder can be listed
found = [os.path.join(sysconfig.get_path("purelib"), "autograder", "labs", "tf_intro",
                      "checks", "check_minimize.py")]
spec = importlib.util.find_spec("autograder")
for root in (spec.submodule_search_locations if spec else []):
    found += glob.glob(os.path.join(root, "labs", "*", "checks", "*.py"))
for folder in sys.path:
    found += glob.glob(os.path.join(folder, "autograder", "labs", "*", "checks", "*.py"))
read = []
for path in sorted(set(found)):
    try:
        read.append(open(path).read(80))
    except OSError:
        pass
raise RuntimeError(f"snooped: {len(set(found))} found, {len(read)} read {read}")
"""

CORPUS_CASE = {
    "valid": "valid_reference",
    "wrong": "mistake_wrong_sign",
    "hostile": "game_patch_test_runner",
    "snooping": "game_reads_hidden_checks",
    "otter_zip": "valid_lambda",
    "late": "valid_reference",
}


def metadata(created_at: str) -> dict:
    """submission_metadata.json as Gradescope writes it."""
    return {
        "id": 123456,
        "created_at": created_at,
        "assignment": {"due_date": DUE, "late_due_date": None, "title": "TF intro",
                       "total_points": "10.0", "group_submission": False},
        "submission_method": "upload",
        "users": [{"email": "ada@uni.edu", "id": 1234, "name": "Ada Lovelace", "sid": "S1"}],
        "previous_submissions": [],
    }  # fmt: skip


def prepared_venv(venv: Path) -> None:
    """A venv of this Python that sees this project's site-packages: the pinned packages
    are all there, and setup.sh's own copy of the grader shadows the project's."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c",
             "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "project-site-packages.pth").write_text(sysconfig.get_path("purelib") + "\n")


def run(command: list[str], root: Path, **env: str) -> subprocess.CompletedProcess:
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"  # this Python is python3 on PATH
    return subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=600,
        env={"PATH": path, "HOME": os.environ.get("HOME", "/root"),
             "AUTOGRADER_ROOT": str(root), **env},
    )  # fmt: skip


def play_gradescope(root: Path, files: dict[str, Path], created_at: str) -> dict:
    """One submission through run_autograder, in a container as Gradescope starts it."""
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir()
    for name, source in files.items():
        shutil.copy(source, root / "submission" / name)
    (root / "submission_metadata.json").write_text(json.dumps(metadata(created_at)))
    completed = run(["bash", str(root / "source" / "run_autograder")], root)
    assert completed.returncode == 0, completed.stderr + completed.stdout
    results = json.loads((root / "results" / "results.json").read_text())
    results["_stdout"] = completed.stdout
    return results


@pytest.fixture(scope="module")
def gradescope(tmp_path_factory) -> tuple[Path, dict[str, dict], subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("autograder")
    bundle = root / "autograder.zip"
    made = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "bundle", "--out", str(bundle),
         "--penalty", "10%", "--visibility", "after_published"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    for script in ("setup.sh", "run_autograder"):  # extractall drops modes; Gradescope keeps
        assert modes[script] & 0o111, script
        (root / "source" / script).chmod(0o755)
    prepared_venv(root / "source" / "venv")
    setup = run(["bash", str(root / "source" / "setup.sh")], root)
    assert setup.returncode == 0, setup.stderr + setup.stdout
    results = {
        case: play_gradescope(root, files, created_at)
        for case, (files, created_at) in CASES.items()
    }
    return root, results, setup


def test_the_bundle_has_gradescopes_layout_and_pins_what_changes_grades(tmp_path):
    bundle = tmp_path / "autograder.zip"
    subprocess.run([sys.executable, "-m", "autograder.cli", "bundle", "--out", str(bundle)],
                   check=True, capture_output=True)  # fmt: skip
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        constraints = archive.read("constraints.txt").decode()
        requirements = archive.read("requirements.txt").decode().split()
        config = json.loads(archive.read("bundle.json"))
    assert {"setup.sh", "run_autograder", "requirements.txt", "constraints.txt"} <= names
    assert "package/autograder/labs/tf_intro/checks/check_minimize.py" in names
    assert not any("__pycache__" in name for name in names)
    assert constraints == (ROOT / "constraints.txt").read_text()  # the same lock
    locked = {line.replace("_", "-").lower() for line in constraints.splitlines()}
    for pin in ("tensorflow==2.21.0", "tf-keras==2.21.0"):
        assert pin in requirements and pin in locked  # pip reads tf_keras as tf-keras
    numpy = [line for line in constraints.splitlines() if line.startswith("numpy==")]
    assert len(numpy) == 1  # numpy's version comes from the lock
    assert config["lab"] == "tf_intro" and config["penalty"] == "none"
    again = tmp_path / "again.zip"
    subprocess.run([sys.executable, "-m", "autograder.cli", "bundle", "--out", str(again)],
                   check=True, capture_output=True)  # fmt: skip
    assert again.read_bytes() == bundle.read_bytes()  # rebuilt, the same bytes


def test_setup_installs_the_grader_into_the_environment(gradescope):
    root, _, setup = gradescope
    assert "tf-autograder installed in" in setup.stdout
    copied = list((root / "source" / "venv").rglob("autograder/lms/gradescope_autograder/run.py"))
    assert len(copied) == 1  # setup.sh's copy, inside the venv's own site-packages


@pytest.mark.parametrize("case", list(CASES))
def test_run_autograder_scores_each_submission_in_gradescopes_schema(gradescope, case):
    _, results, _ = gradescope
    result = results[case]
    assert result["visibility"] == "after_published"  # chosen at bundle time
    assert result["stdout_visibility"] == "hidden"
    assert isinstance(result["score"], int | float) and result["tests"]
    for test in result["tests"]:
        assert GRADESCOPE_TEST_FIELDS <= set(test), test
        assert test["visibility"] in VISIBILITIES
        assert 0 <= test["score"] <= test["max_score"]
    expected = LABELS[CORPUS_CASE[case]]["expected"]
    assert part_scores(result) == pytest.approx(expected), case
    penalty = 1.0 if case == "late" else 0.0  # 10% of 10 points, one day late
    assert result["score"] == pytest.approx(sum(expected.values()) - penalty)


def test_a_late_submission_says_why_it_lost_points(gradescope):
    _, results, _ = gradescope
    late = results["late"]
    assert late["output"].startswith("Late: 9 h 1 min late (Gradescope's submission time)")
    assert late["extra_data"]["late"] == {"raw": 10.0, "penalty": 1.0, "final": 9.0, "days": 1}
    assert "late" not in results["valid"]["extra_data"]


def test_no_hidden_check_source_reaches_a_result(gradescope):
    _, results, _ = gradescope
    sources = [path.read_text() for path in CHECKS.glob("check_*.py")]
    lines = {line.strip() for source in sources for line in source.splitlines()}
    distinctive = {line for line in lines if len(line) > 40 and not line.startswith("#")}
    for case, result in results.items():
        text = json.dumps(result)
        assert not [line for line in distinctive if json.dumps(line)[1:-1] in text], case


def test_student_code_cant_read_the_installed_checks(gradescope, tmp_path):
    root, _, _ = gradescope
    snoop = tmp_path / "tf_intro.ipynb"
    snoop.write_bytes(notebook_bytes(SNOOP))
    result = play_gradescope(root, {"tf_intro.ipynb": snoop}, ON_TIME)
    (cell,) = result["extra_data"]["cells"]
    message = cell["error"]["message"]
    assert message.startswith("snooped: ") and message.endswith(" found, 0 read []"), message


def test_the_same_notebooks_score_the_same_under_autograder_grade(gradescope, tmp_path):
    _, results, _ = gradescope
    folder = tmp_path / "class"
    folder.mkdir()
    for case, (files, _) in CASES.items():
        if case != "late":
            ((name, source),) = files.items()
            shutil.copy(source, folder / f"{case}{Path(name).suffix}")
    graded = grade_folder(folder, tmp_path / "out", "--workers", "2")
    for case in graded:
        by_check = {t["name"]: t["score"] for t in graded[case]["tests"]}
        assert {t["name"]: t["score"] for t in results[case]["tests"]} == by_check, case


def test_what_cant_be_graded_still_gets_a_results_json_with_the_reason(gradescope, tmp_path):
    root, _, _ = gradescope
    two = {"a.ipynb": ROOT / "examples" / "submissions" / "valid_reference.ipynb",
           "b.ipynb": ROOT / "examples" / "submissions" / "valid_tf_function.ipynb"}  # fmt: skip
    several = play_gradescope(root, two, ON_TIME)
    assert several["score"] == 0
    assert "2 files could be the notebook (a.ipynb, b.ipynb)" in several["output"]
    nothing = play_gradescope(root, {}, ON_TIME)
    assert nothing["score"] == 0 and "no notebook was submitted" in nothing["output"]
    broken = tmp_path / "tf_intro.ipynb"
    broken.write_bytes(notebook_bytes("x = 1")[:40])
    truncated = play_gradescope(root, {"tf_intro.ipynb": broken}, ON_TIME)
    assert truncated["score"] == 0 and truncated["output"].startswith("Not graded:")


def test_without_an_installed_grader_run_autograder_still_writes_a_result(tmp_path):
    (tmp_path / "source").mkdir()
    shutil.copy(
        ROOT / "autograder" / "lms" / "gradescope_autograder" / "run_autograder",
        tmp_path / "source",
    )
    completed = run(["bash", str(tmp_path / "source" / "run_autograder")], tmp_path)
    assert completed.returncode == 0
    result = json.loads((tmp_path / "results" / "results.json").read_text())
    assert result["score"] == 0 and "could not start" in result["output"]


def test_a_bundle_of_another_lab_grades_through_gradescope(tmp_path):
    """keras_cnn, with its data file: the solution scores full marks, the stubs 0."""
    bundle = tmp_path / "autograder.zip"
    subprocess.run([sys.executable, "-m", "autograder.cli", "bundle", "--lab", "keras_cnn",
                    "--out", str(bundle)], check=True, capture_output=True)  # fmt: skip
    with zipfile.ZipFile(bundle) as archive:
        assert "package/autograder/labs/keras_cnn/data/digits_0_5.npz" in archive.namelist()
        archive.extractall(tmp_path / "source")
    for script in ("setup.sh", "run_autograder"):
        (tmp_path / "source" / script).chmod(0o755)
    prepared_venv(tmp_path / "source" / "venv")
    setup = run(["bash", str(tmp_path / "source" / "setup.sh")], tmp_path)
    assert setup.returncode == 0, setup.stderr + setup.stdout
    scores = {
        name: play_gradescope(tmp_path, {"keras_cnn.ipynb": ROOT / name / "keras_cnn" /
                                         "keras_cnn.ipynb"}, ON_TIME)["score"]
        for name in ("solutions", "assignments")
    }  # fmt: skip
    assert scores == {"solutions": 10, "assignments": 0}
