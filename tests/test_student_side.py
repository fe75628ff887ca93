"""What students are handed, run as they run it: in a real Jupyter kernel (ipykernel, driven
by nbclient as Jupyter drives it).

- The zip is unzipped into an empty folder and its notebook executed there: as handed out,
  and with the solution filled in and saved, the way a student submits it (its export cell
  makes otter's zip, which the grader must score 10/10).
- The Colab notebook is executed in memory from an empty folder, with neither the notebook
  file nor a tests folder on disk, in a kernel that Colab-detecting code takes for Colab (its
  shell's class lives in google.colab, and google.colab is imported): otter then takes its
  Colab paths (a tests folder must exist; no export). The notebook itself, downloaded as
  Colab downloads it, must score 10/10.

The four notebooks run at once, each in its own kernel.
"""

import asyncio
import copy
import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from autograder.handout import INSTALL_CELL_ID
from tests.conftest import ROOT, SOLUTION, grade_folder

ASSIGNMENT = ROOT / "assignments" / "tf_intro"
HANDOUT = ASSIGNMENT / "handout"
ZIP = HANDOUT / "tf_intro.zip"
COLAB = HANDOUT / "tf_intro_colab.ipynb"
NOTEBOOK = "tf_intro.ipynb"
QUESTIONS = ("train_step", "training")
ANSWER_TAG = "otter_answer_cell"
# What each public check tells a student whose stub does nothing (its first failing assert).
HINTS = {
    "train_step": "w did not move: does train_step call optimizer.apply_gradients?",
    "training": "w did not move: does training call optimizer.minimize(cost_fn, [w])?",
}
PASSED = "{} results: All test cases passed!"
NOTHING_TO_INSTALL = "Nothing to install"
SUBMIT_FROM_COLAB = "File → Download → Download .ipynb"
CHECK_CALL = re.compile(r'grader\.check\("(\w+)"\)')

# Colab as Colab-detecting code sees it: otter tests the shell's class, the notebook tests
# for google.colab among the imported modules. Run before the notebook's first cell.
FAKE_COLAB = """
import sys as _sys, types as _types
_shell = get_ipython()
_shell.__class__ = _types.new_class(
    "Shell", (type(_shell),), exec_body=lambda ns: ns.update(__module__="google.colab._shell")
)
_sys.modules["google.colab"] = _types.ModuleType("google.colab")
del _sys, _types, _shell
"""
# Run after the Colab notebook's last cell: what otter makes of this kernel, and of export.
OTTER_IN_COLAB = """
print("interpreter:", grader.interpreter)
try:
    grader.export(pdf=False)
except RuntimeError as error:
    print("export refused:", error)
"""


def _master_solutions(master: Path = SOLUTION) -> dict[str, str]:
    """id -> source of the master's code cells between raw BEGIN/END SOLUTION cells."""
    solutions, inside = {}, False
    for cell in nbformat.read(master, as_version=4).cells:
        if cell.cell_type == "raw" and re.match(r"#\s+(begin|end)\s+solution", cell.source, re.I):
            inside = cell.source.split()[1].lower() == "begin"
        elif inside and cell.cell_type == "code":
            solutions[cell.id] = cell.source
    return solutions


def _solved(nb: nbformat.NotebookNode, master: Path = SOLUTION) -> nbformat.NotebookNode:
    """``nb`` with each stubbed answer cell replaced by the master's solution of the same id."""
    nb, solutions = copy.deepcopy(nb), _master_solutions(master)
    answers = [c for c in nb.cells if ANSWER_TAG in c.metadata.get("tags", [])]
    assert sorted(c.id for c in answers) == sorted(solutions), "answer cells and solutions differ"
    for cell in answers:
        cell.source = solutions[cell.id]
    return nb


def _with_cells(nb: nbformat.NotebookNode, before: str, after: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    first, last = nbformat.v4.new_code_cell(before), nbformat.v4.new_code_cell(after)
    first.id, last.id = "test-before", "test-after"
    nb.cells = [first, *nb.cells, last]
    return nb


def _without_export(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.cells.remove(_export_cell(nb))
    return nb


def _kernel_env() -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    # Four kernels share the machine: one thread each runs these scalar steps fastest.
    env.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1", OMP_NUM_THREADS="1")
    # The notebook's first cell must select legacy Keras itself, as it will for students.
    env.pop("TF_USE_LEGACY_KERAS", None)
    return env


async def _execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    # Errors are kept in the cells' outputs, as Jupyter shows them, for the tests to report.
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    await client.async_execute(env=_kernel_env())
    return nb


async def _execute_all(runs: dict[str, tuple[nbformat.NotebookNode, Path]]) -> dict:
    executed = await asyncio.gather(*(_execute(nb, cwd) for nb, cwd in runs.values()))
    return dict(zip(runs, executed, strict=True))


def _unzip_handout(into: Path) -> Path:
    with zipfile.ZipFile(ZIP) as archive:
        archive.extractall(into)
    return into / "tf_intro"


def _text(cell: nbformat.NotebookNode) -> str:
    """What a cell showed, short of an error: its streams and the plain text of its results.

    A traceback quotes the cell's source, which must not pass for what the cell printed."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


def _errors(cell: nbformat.NotebookNode) -> list[str]:
    return ["\n".join(o.traceback) for o in cell.get("outputs", []) if o.output_type == "error"]


def _checks(nb: nbformat.NotebookNode) -> dict[str, str]:
    """question -> what its grader.check cell showed."""
    return {
        match.group(1): _text(cell)
        for cell in nb.cells
        if cell.cell_type == "code" and (match := CHECK_CALL.fullmatch(cell.source.strip()))
    }


def _cell(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    (cell,) = [c for c in nb.cells if c.get("id") == cell_id]
    return cell


def _export_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook's own export cell (not the test's cell after it)."""
    (cell,) = [
        c
        for c in nb.cells
        if c.cell_type == "code" and "grader.export(" in c.source and not c.id.startswith("test-")
    ]
    return cell


@pytest.fixture(scope="module")
def kernel_spec_from_the_venv() -> None:
    """The python3 kernel must be this venv's (ipykernel installs it into sys.prefix)."""
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve()), (
        f"the python3 kernel found is {spec.resource_dir}, not this venv's"
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, kernel_spec_from_the_venv) -> dict:
    """The executed notebooks, with the folders they ran in."""
    zip_stubs = _unzip_handout(tmp_path_factory.mktemp("zip-stubs"))
    zip_solution = _unzip_handout(tmp_path_factory.mktemp("zip-solution"))
    # The student fills in the answers and saves the notebook before exporting it.
    nbformat.write(
        _solved(nbformat.read(zip_solution / NOTEBOOK, as_version=4)), zip_solution / NOTEBOOK
    )
    colab = nbformat.read(COLAB, as_version=4)
    folders = {
        "zip-stubs": zip_stubs,
        "zip-solution": zip_solution,
        "colab-stubs": tmp_path_factory.mktemp("colab-stubs"),
        "colab-solution": tmp_path_factory.mktemp("colab-solution"),
    }
    notebooks = {
        # Its export would only re-run the stubs in otter's validation: the solution exports.
        "zip-stubs": _without_export(nbformat.read(zip_stubs / NOTEBOOK, as_version=4)),
        "zip-solution": nbformat.read(zip_solution / NOTEBOOK, as_version=4),
        "colab-stubs": _with_cells(colab, FAKE_COLAB, OTTER_IN_COLAB),
        "colab-solution": _with_cells(_solved(colab), FAKE_COLAB, OTTER_IN_COLAB),
    }
    for label in ("colab-stubs", "colab-solution"):
        assert list(folders[label].iterdir()) == []  # neither the notebook nor tests/
    runs = {label: (notebooks[label], folders[label]) for label in folders}
    executed = asyncio.run(_execute_all(runs))
    return {label: (executed[label], folders[label]) for label in folders}


@pytest.mark.parametrize("label", ["zip-stubs", "zip-solution", "colab-stubs", "colab-solution"])
def test_every_cell_runs_without_an_error(runs: dict, label: str) -> None:
    nb, _ = runs[label]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not _errors(cell), f"cell {cell.id} raised:\n{_errors(cell)[0]}"


@pytest.mark.parametrize("label", ["zip-stubs", "colab-stubs"])
def test_stubs_fail_every_check_with_its_hint(runs: dict, label: str) -> None:
    nb, _ = runs[label]
    checks = _checks(nb)
    assert sorted(checks) == sorted(QUESTIONS)
    for question, shown in checks.items():
        assert PASSED.format(question) not in shown, f"{question} passed on the stub"
        assert HINTS[question] in shown, shown


@pytest.mark.parametrize("label", ["zip-solution", "colab-solution"])
def test_the_solution_passes_every_check(runs: dict, label: str) -> None:
    nb, _ = runs[label]
    checks = _checks(nb)
    assert sorted(checks) == sorted(QUESTIONS)
    for question, shown in checks.items():
        assert PASSED.format(question) in shown, shown


def test_the_hints_are_the_public_checks_own_messages() -> None:
    for question, hint in HINTS.items():
        assert repr(hint) in (ASSIGNMENT / "tests" / f"{question}.py").read_text()


@pytest.mark.parametrize("label", ["colab-stubs", "colab-solution"])
def test_colab_install_cell_installs_nothing_when_all_is_there(runs: dict, label: str) -> None:
    nb, _ = runs[label]
    first = next(c for c in nb.cells if c.cell_type == "code" and c.id != "test-before")
    assert first.id == INSTALL_CELL_ID
    shown = _text(first)
    assert NOTHING_TO_INSTALL in shown and "Installing" not in shown, shown


@pytest.mark.parametrize("label", ["colab-stubs", "colab-solution"])
def test_colab_runs_as_colab_where_otter_cannot_export(runs: dict, label: str) -> None:
    nb, folder = runs[label]
    shown = _text(_cell(nb, "test-after"))
    assert "interpreter: IPythonInterpreter.COLAB" in shown, shown
    assert "export refused: This method is not compatible with Google Colab" in shown, shown
    assert SUBMIT_FROM_COLAB in _text(_export_cell(nb))
    # the checks were read from a temporary folder, not from one left beside the notebook
    assert sorted(p.name for p in folder.iterdir()) == [".OTTER_LOG"]


def test_the_export_validates_the_solution_zip(runs: dict) -> None:
    nb, _ = runs["zip-solution"]
    shown = _text(_export_cell(nb))
    for question in QUESTIONS:
        assert PASSED.format(question) in shown, shown


def test_what_students_submit_scores_full_marks(runs: dict, tmp_path: Path) -> None:
    """Otter's export zip from Jupyter, and the notebook downloaded from Colab, graded."""
    _, folder = runs["zip-solution"]
    (export,) = folder.glob("tf_intro_*.zip")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "jupyter_export.zip").write_bytes(export.read_bytes())
    colab, _ = runs["colab-solution"]
    downloaded = copy.deepcopy(colab)
    downloaded.cells = [c for c in downloaded.cells if not c.id.startswith("test-")]
    nbformat.write(downloaded, submissions / "colab_download.ipynb")
    results = grade_folder(submissions, tmp_path / "results")
    assert sorted(results) == ["colab_download", "jupyter_export"]
    for name, result in results.items():
        assert result["score"] == 10, (name, result)
        # the install, init and export cells too run in the grader's sandbox
        cells = result["extra_data"]["cells"]
        assert [c for c in cells if c["status"] != "ok"] == [], name


def test_the_zip_holds_the_notebook_and_its_tests_in_one_folder() -> None:
    with zipfile.ZipFile(ZIP) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
        dates = {info.date_time for info in archive.infolist()}
    assert sorted(entries) == [
        "tf_intro/tests/train_step.py",
        "tf_intro/tests/training.py",
        "tf_intro/tf_intro.ipynb",
    ]
    for name, data in entries.items():
        assert data == (ASSIGNMENT / name.removeprefix("tf_intro/")).read_bytes(), name
    assert dates == {(1980, 1, 1, 0, 0, 0)}  # no time of generation inside


def test_colab_notebook_is_the_student_notebook_but_for_its_colab_cells() -> None:
    student = nbformat.read(ASSIGNMENT / NOTEBOOK, as_version=4)
    colab = nbformat.read(COLAB, as_version=4)
    assert colab.metadata == student.metadata
    assert colab.cells[0].id == INSTALL_CELL_ID and colab.cells[0].cell_type == "code"
    rewritten = {"otter-0", "otter-20", _export_cell(student).id}  # init, submission, export
    assert [c.id for c in colab.cells[1:]] == [c.id for c in student.cells]
    for mine, theirs in zip(colab.cells[1:], student.cells, strict=True):
        if mine.id not in rewritten:
            assert (mine.cell_type, mine.source, mine.metadata) == (
                theirs.cell_type,
                theirs.source,
                theirs.metadata,
            )
    assert "otter.Notebook(tests_dir=" in _cell(colab, "otter-0").source


def test_colab_notebook_carries_the_public_checks_exactly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The init cell writes each tests/*.py byte for byte into a new temporary folder."""
    source = _cell(nbformat.read(COLAB, as_version=4), "otter-0").source
    monkeypatch.chdir(tmp_path)  # otter logs each event to .OTTER_LOG in the working folder
    checks = tmp_path / "tmp"
    checks.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(checks))
    namespace: dict = {}
    exec(compile(source, "<init cell>", "exec"), namespace)  # noqa: S102
    (folder,) = checks.iterdir()
    assert namespace["grader"]._tests_dir == str(folder)
    tests = sorted((ASSIGNMENT / "tests").glob("*.py"))
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in tests]
    for test in tests:
        assert (folder / test.name).read_bytes() == test.read_bytes(), test.name


def _lock_pin(package: str) -> str:
    name = re.compile(rf"^{package.replace('-', '[-_]')}==(\S+)$", re.I | re.M)
    return name.search((ROOT / "constraints.txt").read_text()).group(1)


@pytest.mark.parametrize(
    ("absent", "installs"),
    [
        ({"otter"}, ["otter-grader"]),
        ({"tf_keras"}, ["tf-keras"]),
        ({"otter", "tf_keras"}, ["otter-grader", "tf-keras"]),
        ({"tensorflow", "tf_keras"}, ["tensorflow", "tf-keras"]),
    ],
)
def test_colab_install_cell_installs_what_is_missing_pinned_to_the_lock(
    monkeypatch: pytest.MonkeyPatch, absent: set[str], installs: list[str]
) -> None:
    source = _cell(nbformat.read(COLAB, as_version=4), INSTALL_CELL_ID).source
    find_spec = importlib.util.find_spec
    for module in absent:
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in absent else find_spec(name, *a),
    )
    calls = []
    monkeypatch.setattr(subprocess, "check_call", lambda command: calls.append(command))
    exec(compile(source, "<install cell>", "exec"), {})  # noqa: S102
    pins = [f"{package}=={_lock_pin(package)}" for package in installs]
    assert calls == [[sys.executable, "-m", "pip", "install", "-q", *pins]]


def test_colab_install_cell_leaves_tensorflow_before_2_16_without_tf_keras(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before 2.16, tf.keras is Keras 2 itself: no tf-keras to install."""
    source = _cell(nbformat.read(COLAB, as_version=4), INSTALL_CELL_ID).source
    find_spec, version = importlib.util.find_spec, importlib.metadata.version
    monkeypatch.delitem(sys.modules, "tf_keras", raising=False)
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tf_keras" else find_spec(name),
    )
    monkeypatch.setattr(
        importlib.metadata,
        "version",
        lambda dist: "2.15.1" if dist == "tensorflow" else version(dist),
    )
    calls = []
    monkeypatch.setattr(subprocess, "check_call", lambda command: calls.append(command))
    exec(compile(source, "<install cell>", "exec"), {})  # noqa: S102
    assert calls == []
