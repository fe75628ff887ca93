"""The instructor's AUTOGRADER_SECRET: it seeds the hidden inputs, and never reaches students.

Graded end to end through the CLI, with the secret set in the grader's environment as an
instructor sets it. A spy notebook looks for the secret everywhere a student's cell can
look and reports what it saw through the one channel a failing cell has: its exception,
which the result and the gradebook record.
"""

import shutil
import uuid
from pathlib import Path

import pytest

from autograder.seeding import SECRET_VARIABLE, submission_seed
from tests.conftest import STUDENT, grade_folder, notebook_bytes

SECRET = f"instructor-secret-{uuid.uuid4().hex}"
OTHER_SECRET = f"instructor-secret-{uuid.uuid4().hex}"
# Not an AUTOGRADER_ variable, so the student's process is meant to see it: it shows the
# spy did read the environment it was given, and that what it read reaches the results
CANARY_VARIABLE, CANARY = "TF_AUTOGRADER_TEST_CANARY", f"canary-{uuid.uuid4().hex}"

SPY_CELL = """
import os, re

def environ_entries(label, read):
    try:
        text = read()
    except Exception:
        return None
    readable.append(label)
    return dict(e.split("=", 1) for e in text.split("\\0") if "=" in e)

def read_proc(pid, name):
    with open(f"/proc/{pid}/{name}", errors="replace") as file:
        return file.read()

readable, secrets, canaries = [], [], []
sources = {"os.environ": lambda: "\\0".join(f"{k}={v}" for k, v in os.environ.items()),
           "/proc/self/environ": lambda: read_proc("self", "environ")}
pids = {os.getpid(), os.getppid(), 1}
try:  # the grader that started the fork server, if its status can be read at all
    pids.add(int(re.search(r"PPid:\\s+(\\d+)", read_proc(os.getppid(), "status")).group(1)))
except Exception:
    pass
# Every pid below 32768 (Linux's default limit), and the 32768 before its own
pids |= set(range(1, 1 << 15)) | set(range(max(1, os.getpid() - (1 << 15)), os.getpid() + 100))
for pid in sorted(pids):
    sources[f"/proc/{pid}/environ"] = lambda pid=pid: read_proc(pid, "environ")
for label, read in sources.items():
    entries = environ_entries(label, read)
    if entries is None:
        continue
    secrets += [f"{label}:{k}={v}" for k, v in entries.items() if k.startswith("AUTOGRADER_")]
    canaries += [v for k, v in entries.items() if k == "CANARY_VARIABLE"]
raise RuntimeError(f"SPY secrets={secrets} canaries={sorted(set(canaries))}"
                   f" readable={len(readable)}: {readable[:6]}")
""".replace("CANARY_VARIABLE", CANARY_VARIABLE)


def grade_with_secret(folder: Path, out: Path, secret: str) -> dict[str, dict]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_VARIABLE, secret)
        patch.setenv(CANARY_VARIABLE, CANARY)
        return grade_folder(folder, out, "--workers", "1", "--cell-timeout", "60")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, tuple[Path, dict[str, dict]]]:
    """The same two notebooks graded under the secret twice, and once under another."""
    folder = tmp_path_factory.mktemp("submissions")
    (folder / "spy.ipynb").write_bytes(notebook_bytes(SPY_CELL))
    shutil.copy(STUDENT, folder / "untouched.ipynb")
    runs = {}
    for run, secret in (("first", SECRET), ("again", SECRET), ("other", OTHER_SECRET)):
        out = tmp_path_factory.mktemp(run)
        runs[run] = (out, grade_with_secret(folder, out, secret))
    return runs


def spy_report(results: dict[str, dict]) -> str:
    (cell,) = results["spy"]["extra_data"]["cells"]
    assert cell["error"]["type"] == "RuntimeError", cell
    assert cell["error"]["message"].startswith("SPY "), cell
    return cell["error"]["message"]


def test_the_student_process_finds_no_autograder_variable_anywhere(graded):
    _, results = graded["first"]
    report = spy_report(results)
    assert CANARY in report  # it read its environment, and what it read came back
    assert "secrets=[]" in report, report
    assert SECRET not in report


def test_the_secret_is_in_no_result_file_nor_the_gradebook(graded):
    for out, _ in graded.values():
        files = [path for path in out.rglob("*") if path.is_file()]
        assert {path.suffix for path in files} >= {".json", ".sqlite"}
        # The spy's report, canary included, is recorded in both: a secret it had found
        # would be too
        for recorded in (out / "spy.json", out / "gradebook.sqlite"):
            assert CANARY.encode() in recorded.read_bytes(), recorded
        for path in files:
            data = path.read_bytes()
            assert SECRET.encode() not in data and OTHER_SECRET.encode() not in data, path


def hidden_inputs(results: dict[str, dict]) -> dict[str, str]:
    """What the checks that draw hidden inputs told the untouched notebook: the inputs."""
    tests = results["untouched"]["tests"]
    drawn = {test["name"]: test["output"] for test in tests if "other" in test["name"]}
    assert len(drawn) >= 2, [test["name"] for test in tests]
    return drawn


def test_the_same_secret_draws_the_same_hidden_inputs(graded):
    assert hidden_inputs(graded["first"][1]) == hidden_inputs(graded["again"][1])


def test_another_secret_draws_other_hidden_inputs(graded):
    first, other = hidden_inputs(graded["first"][1]), hidden_inputs(graded["other"][1])
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first), first


def test_the_seed_follows_the_secret_in_the_environment(monkeypatch):
    code = ["w = tf.Variable(0.0)", "def train_step(): ..."]
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    from_environment = submission_seed(code, "tf_intro")
    assert from_environment == submission_seed(code, "tf_intro", SECRET)
    assert from_environment != submission_seed(code, "tf_intro", OTHER_SECRET)
    monkeypatch.delenv(SECRET_VARIABLE)
    assert submission_seed(code, "tf_intro") != from_environment
