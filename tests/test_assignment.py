"""The generated tf_intro assignment: in sync with its solution notebook, free of solutions,
and with public checks that pass on the solution and fail on the untouched stubs."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from otter.nbmeta_config import NBMetadataConfig
from otter.test_files import ExceptionTestFile, create_test_file

from autograder.assign import generate_assignment

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "tf_intro" / "tf_intro.ipynb"
ASSIGNMENT = ROOT / "assignments" / "tf_intro"
NOTEBOOK = "tf_intro.ipynb"
QUESTIONS = ("train_step", "training")
ANSWER_TAG = "otter_answer_cell"  # otter's tag for student cells whose solution was stubbed
REGENERATE = "assignments/tf_intro is stale; regenerate it with `autograder assign --lab tf_intro`"

# What students must see, as code (comments are checked separately).
STUBS = {
    "train_step": """
def train_step():
    with tf.GradientTape() as tape:
        cost = ...
    trainable_variables = ...
    grads = ...
    ...
""",
    "training": """
def training(x, w, optimizer):
    def cost_fn():
        return x[0] * w ** 2 + x[1] * w + x[2]
    ...
    return w
""",
}
# Calls that would give the answers away.
SOLUTION_CALLS = {"gradient", "apply_gradients", "minimize"}


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def _comparable(notebook: Path) -> dict:
    """What a student sees of a notebook; cell ids and nbformat minor version are noise."""
    nb = nbformat.read(notebook, as_version=4)
    return {
        "metadata": nb.metadata,
        "cells": [(c.cell_type, c.source, c.metadata) for c in nb.cells],
    }


def _code_cells(notebook: Path) -> list[nbformat.NotebookNode]:
    return [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]


def _answer_cells(notebook: Path) -> list[str]:
    return [c.source for c in _code_cells(notebook) if ANSWER_TAG in c.metadata.get("tags", [])]


def _solution_cells(master: Path) -> list[str]:
    """Code cells between raw `# BEGIN SOLUTION` / `# END SOLUTION` cells of the master."""
    cells, inside = [], False
    for cell in nbformat.read(master, as_version=4).cells:
        if cell.cell_type == "raw" and re.match(r"#\s+(begin|end)\s+solution", cell.source, re.I):
            inside = cell.source.split()[1].lower() == "begin"
        elif inside and cell.cell_type == "code":
            cells.append(cell.source)
    return cells


def _called_attributes(source: str) -> set[str]:
    return {
        node.func.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("regenerated") / "tf_intro"
    generate_assignment(SOLUTION, out, lab_name="tf_intro")
    return out


def test_committed_assignment_matches_regenerated(regenerated: Path) -> None:
    assert _files(ASSIGNMENT) == _files(regenerated), REGENERATE
    for rel in _files(regenerated):
        if rel.suffix == ".ipynb":
            assert _comparable(ASSIGNMENT / rel) == _comparable(regenerated / rel), REGENERATE
        else:
            assert (ASSIGNMENT / rel).read_bytes() == (regenerated / rel).read_bytes(), REGENERATE


def test_regenerating_replaces_a_previous_output_and_nothing_else(
    regenerated: Path, tmp_path: Path
) -> None:
    out = tmp_path / "tf_intro"
    shutil.copytree(regenerated, out)
    (out / "handout" / "notes.txt").write_text("not generated")
    with pytest.raises(FileExistsError, match="handout"):
        generate_assignment(SOLUTION, out, lab_name="tf_intro")
    assert (out / "handout" / "notes.txt").is_file() and (out / NOTEBOOK).is_file()
    (out / "handout" / "notes.txt").unlink()
    assert generate_assignment(SOLUTION, out, lab_name="tf_intro") == [
        out / p for p in _files(regenerated)
    ]


def test_only_student_files_are_generated() -> None:
    handouts = ["handout/tf_intro.zip", "handout/tf_intro_colab.ipynb"]
    assert _files(ASSIGNMENT) == sorted(
        Path(p) for p in [NOTEBOOK, *(f"tests/{q}.py" for q in QUESTIONS), *handouts]
    )


def test_student_files_contain_no_solution_code() -> None:
    # The zip's files are these very files (tests/test_student_side.py).
    colab = ASSIGNMENT / "handout" / "tf_intro_colab.ipynb"
    for cell in [*_code_cells(ASSIGNMENT / NOTEBOOK), *_code_cells(colab)]:
        assert not re.search(r"#\s*(BEGIN |END )?SOLUTION", cell.source), cell.source
        assert not _called_attributes(cell.source) & SOLUTION_CALLS, cell.source
    for test_file in (ASSIGNMENT / "tests").glob("*.py"):
        assert not _called_attributes(test_file.read_text()) & SOLUTION_CALLS, test_file


def test_answer_cells_are_commented_stubs() -> None:
    answers = _answer_cells(ASSIGNMENT / NOTEBOOK)
    assert [ast.dump(ast.parse(a)) for a in answers] == [
        ast.dump(ast.parse(STUBS[q])) for q in QUESTIONS
    ]
    for answer in answers:
        lines = answer.splitlines()
        for above, line in zip(lines, lines[1:], strict=False):
            if line.rstrip().endswith("..."):
                assert above.strip().startswith("#"), f"stub without a hint comment: {line!r}"


def test_public_tests_are_visible_exception_based_files() -> None:
    for question in QUESTIONS:
        test_file = create_test_file(
            str(ASSIGNMENT / "tests" / f"{question}.py"), NBMetadataConfig()
        )
        assert isinstance(test_file, ExceptionTestFile)
        assert test_file.name == question
        assert test_file.test_cases and not any(tc.hidden for tc in test_file.test_cases)


# Runs notebook cells in order like a kernel (showing a cell's last expression, which is how
# grader.check results appear) and records every grader.check result, with the notebook globals
# the check rebound (it must leave none).
RUNNER = """
import ast, json, sys
from otter.test_files import TestFile

cells = json.loads(open(sys.argv[1]).read())
env, checks, missing = {"__name__": "__main__"}, {}, object()
for source in cells:
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), env)
    if last is not None:
        before = dict(env)
        value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), env)
        if isinstance(value, TestFile):
            rebound = sorted(
                k for k in {*before, *env} if env.get(k, missing) is not before.get(k, missing)
            )
            checks[value.name] = {
                "passed": value.passed_all,
                "summary": value.summary(),
                "rebound": rebound,
            }
open(sys.argv[2], "w").write(json.dumps(checks))
"""


def _student_cells() -> list[str]:
    # The export cell zips the notebook and re-runs it: slow, and nothing to check here.
    return [
        c.source for c in _code_cells(ASSIGNMENT / NOTEBOOK) if "grader.export(" not in c.source
    ]


def _solved_cells() -> list[str]:
    """The student notebook with each stubbed cell replaced by its solution from the master."""
    solutions = iter(_solution_cells(SOLUTION))
    cells = [
        next(solutions) if ANSWER_TAG in c.metadata.get("tags", []) else c.source
        for c in _code_cells(ASSIGNMENT / NOTEBOOK)
        if "grader.export(" not in c.source
    ]
    assert next(solutions, None) is None, "more solution cells than answer cells"
    return cells


@pytest.fixture(scope="module")
def check_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Run the stub and solved notebooks, each in a fresh Python in a copy of the assignment
    (grader.check reads tests/ and writes .OTTER_LOG there), both at once to save time."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    # The notebook's first cell must select legacy Keras itself, as it will for students.
    env.pop("TF_USE_LEGACY_KERAS", None)
    runs = {}
    for label, cells in {"stubs": _student_cells(), "solution": _solved_cells()}.items():
        workdir = tmp_path_factory.mktemp(label)
        shutil.copytree(ASSIGNMENT, workdir, dirs_exist_ok=True)
        (workdir / "cells.json").write_text(json.dumps(cells))
        process = subprocess.Popen(
            [sys.executable, "-c", RUNNER, "cells.json", "checks.json"],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        runs[label] = (process, workdir)
    results = {}
    for label, (process, workdir) in runs.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"the {label} notebook raised:\n{output}"
        results[label] = json.loads((workdir / "checks.json").read_text())
    return results


def test_public_checks_pass_on_the_solution(check_results: dict[str, dict]) -> None:
    checks = check_results["solution"]
    assert sorted(checks) == sorted(QUESTIONS)
    for question, check in checks.items():
        assert check["passed"], f"{question}:\n{check['summary']}"
        assert check["rebound"] == [], f"grader.check({question!r}) left globals changed"


def test_public_checks_fail_on_the_stubs_and_say_why(check_results: dict[str, dict]) -> None:
    checks = check_results["stubs"]
    assert sorted(checks) == sorted(QUESTIONS)
    for question, check in checks.items():
        assert not check["passed"], f"{question} passed on the untouched stub"
        assert "w did not move" in check["summary"], check["summary"]
