"""Labs as folders: found by name or path, scaffolded by `new-lab`, and the engine knowing
none of them."""

import io
import json
import re
import subprocess
import sys
import tokenize
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.lab import LabError, get_lab
from tests.conftest import ROOT, grade_folder

ENGINE = ROOT / "autograder"
LABS = ENGINE / "labs"
TOOLKIT = ENGINE / "tflab"  # a TensorFlow toolkit: it names TensorFlow's things (Adam), no lab's
# What belongs to tf_intro: its function names, its optimizer, its variable and its cost
LAB_NAMES = {"w", "train_step", "trainable_variables", "training", "Adam", "cost", "cost_fn"}
LAB_WORDS = re.compile(r"train_step|trainable_variables|cost_fn|\bAdam\b|J\(w\)|\bthe cost\b")


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if check:
        assert completed.returncode == 0, completed.stderr + completed.stdout
    return completed


def lab_knowledge(path: Path) -> list[str]:
    """Each place a Python file names something of tf_intro: as code, or in its text."""
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for token in tokens:
        if token.type == tokenize.NAME and token.string in LAB_NAMES:
            found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string}")
        elif token.type in (tokenize.STRING, tokenize.COMMENT) and LAB_WORDS.search(token.string):
            found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string[:60]}")
    return found


def test_the_engine_names_nothing_of_any_lab():
    labs = (LABS, TOOLKIT)
    engine = [p for p in ENGINE.rglob("*.py") if not any(p.is_relative_to(d) for d in labs)]
    assert len(engine) > 40
    assert [line for path in engine for line in lab_knowledge(path)] == []
    # The same scan finds the lab's own knowledge where it belongs
    assert len([line for p in LABS.rglob("*.py") for line in lab_knowledge(p)]) > 50


def test_the_toolkit_names_no_lab_and_nothing_of_one():
    names = {"tf_intro", "tf_network", "train_step", "trainable_variables", "cost_fn", "digits"}
    names |= {"one_hot_matrix", "initialize_parameters", "forward_propagation"}
    names |= {"compute_total_loss", "keras_cnn", "happy_model", "convolutional_model"}
    pattern = re.compile(r"\b(" + "|".join(sorted(names)) + r")\b")
    found = []
    for path in TOOLKIT.rglob("*.py"):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        found += [
            f"{path.name}:{token.start[0]}: {token.string[:60]}"
            for token in tokens
            if token.type in (tokenize.NAME, tokenize.STRING, tokenize.COMMENT)
            and pattern.search(token.string)
        ]
    assert found == []


def test_labs_are_found_by_name_or_folder_and_refused_with_the_reason(tmp_path):
    by_name = get_lab("tf_intro")
    assert get_lab(str(by_name.folder)) == by_name  # the same lab, by its folder
    assert by_name.parts == {"train_step": 4.0, "trainable_variables": 2.0, "minimize": 4.0}
    assert by_name.solution == ROOT / "solutions" / "tf_intro" / "tf_intro.ipynb"
    with pytest.raises(
        LabError, match="unknown lab 'tf_outro'; known labs: keras_cnn, tf_intro, tf_network"
    ):
        get_lab("tf_outro")
    with pytest.raises(LabError, match="is not a lab folder: it has no lab.toml"):
        get_lab(str(tmp_path))
    (tmp_path / "lab.toml").write_text('name = "x"\n')
    with pytest.raises(LabError, match="can't read .*lab.toml: 'title'"):
        get_lab(str(tmp_path))


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> tuple[Path, Path, dict]:
    """`new-lab`, then `assign --lab PATH`, then `grade --lab PATH` of its solution and of
    the stubs it generated: as an instructor writing a lab would."""
    base = tmp_path_factory.mktemp("labs")
    lab = base / "scale lab"  # a space in the path, as instructors' folders have
    made = cli("new-lab", str(lab), "--name", "scale_lab")
    assert "Next: autograder assign --lab" in made.stdout
    assignment = base / "assignment"
    cli("assign", "--lab", str(lab), "--out", str(assignment))
    class_folder = base / "class"
    class_folder.mkdir()
    (class_folder / "solution.ipynb").write_bytes(
        (lab / "solution" / "scale_lab.ipynb").read_bytes()
    )
    (class_folder / "stubs.ipynb").write_bytes((assignment / "scale_lab.ipynb").read_bytes())
    results = grade_folder(class_folder, base / "out", "--lab", str(lab), "--workers", "2")
    return lab, assignment, results


def test_new_lab_writes_a_complete_lab(scaffolded):
    lab, _, _ = scaffolded
    files = sorted(str(p.relative_to(lab)) for p in lab.rglob("*") if p.is_file())
    assert files == ["checks/check_scale.py", "checks/conftest.py", "hints.py", "lab.toml",
                     "probes.py", "solution/scale_lab.ipynb"]  # fmt: skip
    loaded = get_lab(str(lab))
    assert (loaded.name, loaded.notebook_name, loaded.parts) == (
        "scale_lab",
        "scale_lab.ipynb",
        {"scale": 2.0},
    )
    assert loaded.probes_module == str(lab / "probes.py") and len(loaded.hints) == 1


def test_the_scaffold_generates_its_student_notebook(scaffolded):
    _, assignment, _ = scaffolded
    notebook = nbformat.read(assignment / "scale_lab.ipynb", as_version=4)
    assert notebook.metadata["tf_autograder"] == {"lab": "scale_lab"}
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "return x * factor" not in code and "def scale(x, factor):" in code
    assert (assignment / "tests" / "scale.py").is_file()
    assert (assignment / "handout" / "scale_lab.zip").is_file()


def test_the_scaffold_grades_its_solution_at_full_marks_and_its_stubs_at_zero(scaffolded):
    _, _, results = scaffolded
    assert results["solution"]["score"] == 2.0, json.dumps(results["solution"], indent=1)
    assert [t["status"] for t in results["solution"]["tests"]] == ["passed", "passed"]
    assert results["stubs"]["score"] == 0.0
    assert {t["name"].split(":")[0] for t in results["stubs"]["tests"]} == {"scale"}


def test_the_notebooks_lab_is_read_from_what_assign_wrote(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["tf_autograder"] = {"lab": "tf_outro"}
    nbformat.write(notebook, folder / "a.ipynb")
    refused = cli("grade", str(folder), "--out", str(tmp_path / "out"), check=False)
    assert refused.returncode != 0 and "unknown lab 'tf_outro'" in refused.stderr
    older = nbformat.v4.new_notebook()  # before assign named the lab: otter's name only
    older.metadata["otter"] = {"assignment_name": "tf_intro"}
    nbformat.write(older, folder / "b.ipynb")
    another_course = nbformat.v4.new_notebook()  # an otter name that is no lab: no say
    another_course.metadata["otter"] = {"assignment_name": "hw1"}
    nbformat.write(another_course, folder / "c.ipynb")
    mixed = cli("grade", str(folder), "--out", str(tmp_path / "out"), check=False)
    assert mixed.returncode != 0 and "several labs (tf_intro, tf_outro)" in mixed.stderr


def test_new_lab_refuses_a_bad_name_or_a_folder_in_use(tmp_path):
    bad = cli("new-lab", str(tmp_path / "a"), "--name", "Scale-Lab", check=False)
    assert bad.returncode != 0 and "lower case letters, digits and _" in bad.stderr
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    used = cli("new-lab", str(tmp_path / "used"), "--name", "lab", check=False)
    assert used.returncode != 0 and "is not empty" in used.stderr
    assert (tmp_path / "used" / "notes.txt").read_text() == "mine"


def test_a_lab_folder_travels_in_the_gradescope_bundle(scaffolded, tmp_path):
    lab, _, _ = scaffolded
    bundle = tmp_path / "autograder.zip"
    cli("bundle", "--lab", str(lab), "--out", str(bundle))
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        config = json.loads(archive.read("bundle.json"))
    assert config["lab"] == "lab"
    assert {"lab/lab.toml", "lab/probes.py", "lab/checks/check_scale.py"} <= names


def test_a_lab_installed_by_another_package_is_found_by_its_entry_point(tmp_path):
    """A package that ships a lab names its package in the tf_autograder.labs group."""
    site = tmp_path / "site"
    cli("new-lab", str(site / "course_labs" / "scale"), "--name", "scale_lab")
    (site / "course_labs" / "__init__.py").write_text("")
    (site / "course_labs" / "scale" / "__init__.py").write_text("")
    info = site / "course_labs-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: course-labs\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[tf_autograder.labs]\nscale_lab = course_labs.scale\n")
    found = subprocess.run(
        [sys.executable, "-c", "from autograder.lab import get_lab, known_labs;"
         " lab = get_lab('scale_lab'); print(lab.name, lab.folder, known_labs())"],
        capture_output=True, text=True, check=True, env={"PYTHONPATH": str(site)},
    )  # fmt: skip
    name, folder, known = found.stdout.split(" ", 2)
    assert name == "scale_lab" and Path(folder) == site / "course_labs" / "scale"
    assert "'scale_lab'" in known and "'tf_intro'" in known


def _lines_of_python(lab: str) -> int:
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in (LABS / lab).rglob("*.py"))


def test_each_lab_is_at_most_half_its_size_before_the_toolkit():
    # lines of Python in the lab's folder before autograder/tflab existed, halved
    limits = {"tf_intro": 1257 // 2, "tf_network": 1435 // 2}
    for lab, limit in limits.items():
        lines = _lines_of_python(lab)
        assert lines <= limit, f"{lab}: {lines} lines of Python, more than {limit}"


def test_the_keras_lab_written_on_the_toolkit_is_no_bigger_than_tf_network():
    assert _lines_of_python("keras_cnn") <= _lines_of_python("tf_network")
