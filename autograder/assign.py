"""Generate the student-facing assignment from a solution notebook with Otter Assign.

Otter Assign writes two views of the solution notebook: ``autograder/`` (solutions included)
and ``student/`` (solutions replaced by stubs, public tests only). Only the student view is
copied out; the autograder view never leaves the temporary directory.

Besides the student notebook, its ``tests/`` and the support files its config lists under
``files:`` (a data set beside the notebook, say), ``handout/`` holds what students are
given (autograder/handout.py): a zip for Jupyter and a notebook that works alone in Colab.
"""

import logging
import shutil
import tempfile
from pathlib import Path

import nbformat
from otter.assign import main as otter_assign

from autograder.handout import COLAB_SUFFIX, colab_notebook, write_zip
from autograder.intake import NOTEBOOK_METADATA
from autograder.lab import LabError, get_lab, known_labs, only_lab

logger = logging.getLogger(__name__)

_STUDENT_VIEW = "student"
_TESTS_DIR = "tests"
HANDOUT_DIR = "handout"
_HANDOUT_SUFFIXES = (".zip", ".ipynb")


def generate_assignment(solution: Path, out_dir: Path, lab_name: str | None = None) -> list[Path]:
    """Run Otter Assign on ``solution`` and replace ``out_dir`` with the student notebook, its
    public tests and the handouts built from them. Returns the written files, sorted."""
    solution, out_dir = Path(solution), Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="otter-assign-") as tmp:
        student_view = _run_otter_assign(solution, Path(tmp))
        notebook = student_view / solution.name
        _stabilise_cell_ids(notebook, _cell_ids(solution))
        if lab_name:
            _name_lab(notebook, lab_name)
        tests = sorted((student_view / _TESTS_DIR).glob("*.py"))
        support = _support_files(student_view, solution)
        sources = [notebook, *tests, *support]
        _warn_about_skipped(student_view, sources)
        _clear_previous_output(out_dir, {p.relative_to(student_view) for p in support})
        written = [_copy(src, student_view, out_dir) for src in sources]
    handout = out_dir / HANDOUT_DIR
    handout.mkdir()
    lab = solution.stem
    written.append(write_zip(handout / f"{lab}.zip", lab, out_dir, written))
    colab = handout / f"{lab}{COLAB_SUFFIX}.ipynb"
    nbformat.write(colab_notebook(out_dir / solution.name, out_dir / _TESTS_DIR), colab)
    written.append(colab)
    logger.info("Wrote %d files to %s", len(written), out_dir)
    return sorted(written)


def template_cells(solution: Path) -> list[str]:
    """The code cells of the student notebook `assign` makes from `solution`: what every
    student is given."""
    with tempfile.TemporaryDirectory(prefix="otter-assign-") as tmp:
        notebook = _run_otter_assign(Path(solution), Path(tmp)) / Path(solution).name
        cells = nbformat.read(notebook, as_version=4).cells
    return [cell.source for cell in cells if cell.cell_type == "code"]


def _run_otter_assign(solution: Path, workdir: Path) -> Path:
    """Run Otter Assign offline and return its student view directory."""
    result = workdir / "otter"
    logger.info("Running otter assign on %s", solution)
    # no_run_tests: with `generate: false` there is no autograder zip to run the tests with.
    otter_assign(str(solution), str(result), no_pdfs=True, no_run_tests=True)
    student_view = result / _STUDENT_VIEW
    if not (student_view / solution.name).is_file():
        raise RuntimeError(f"otter assign wrote no student notebook for {solution}")
    return student_view


def _cell_ids(notebook: Path) -> set[str]:
    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    return {cell["id"] for cell in nb.cells if "id" in cell}


def _stabilise_cell_ids(notebook: Path, keep: set[str]) -> None:
    """Give the cells Otter adds (init, check, export) ids derived from their position.

    Otter gives them random ids, which would make every regeneration a diff.
    """
    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    for index, cell in enumerate(nb.cells):
        if "id" in cell and cell["id"] not in keep:
            cell["id"] = f"otter-{index}"
    nbformat.validate(nb)  # ids must stay unique
    nbformat.write(nb, notebook)


def _name_lab(notebook: Path, lab_name: str) -> None:
    """Say which lab the notebook belongs to: `grade` reads it when --lab isn't given."""
    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    nb.metadata[NOTEBOOK_METADATA] = {"lab": lab_name}
    nbformat.write(nb, notebook)


def _support_files(student_view: Path, solution: Path) -> list[Path]:
    """The files the config's ``files:`` list had Otter copy beside the notebook (a data set,
    images): in the student view, each at the path it has beside the solution notebook."""
    return [
        path
        for path in sorted(student_view.rglob("*"))
        if path.is_file()
        and path.parts[len(student_view.parts)] != _TESTS_DIR
        and path.name != solution.name
        and (solution.parent / path.relative_to(student_view)).is_file()
    ]


def _warn_about_skipped(student_view: Path, sources: list[Path]) -> None:
    for path in sorted(p for p in student_view.rglob("*") if p.is_file()):
        if path not in sources:
            logger.warning("Not copying %s from the student view", path.relative_to(student_view))


def _clear_previous_output(out_dir: Path, support: set[Path] = frozenset()) -> None:
    """Remove a previous output, refusing to delete anything else that lives in ``out_dir``:
    only what this module writes there, and the support files (paths relative to it)."""
    if not out_dir.exists():
        return
    unexpected = [p.name for p in out_dir.iterdir() if not _generated(p, out_dir, support)]
    if unexpected:
        # A mistyped out_dir (the repo root, say) must not be wiped.
        raise FileExistsError(
            f"{out_dir} holds files that are not a generated assignment: {sorted(unexpected)}"
        )
    shutil.rmtree(out_dir)


def _generated(path: Path, out_dir: Path, support: set[Path]) -> bool:
    """Whether ``path``, directly in an output folder, is something this module writes there."""
    within = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    if within and all(p.relative_to(out_dir) in support for p in within):
        return True
    if path.name == _TESTS_DIR and path.is_dir():
        return True
    if path.name == HANDOUT_DIR and path.is_dir():
        return all(p.is_file() and p.suffix in _HANDOUT_SUFFIXES for p in path.iterdir())
    return path.suffix == ".ipynb" and path.is_file()


def _copy(src: Path, src_root: Path, out_dir: Path) -> Path:
    dst = out_dir / src.relative_to(src_root)
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    logger.debug("Copied %s", dst)
    return dst


class AssignError(Exception):
    """The assignment can't be generated as asked; the message says why."""


def assign_lab(
    lab_reference: str | None, solution: Path | None, out_dir: Path | None
) -> list[Path]:
    """`autograder assign`: the lab named (else the known lab whose solution this is, else
    the one built-in lab), generated from its solution notebook into out_dir."""
    try:
        lab = get_lab(lab_reference or (solution and _lab_of_solution(solution)) or only_lab())
    except LabError as error:
        raise AssignError(str(error)) from None
    solution = solution or lab.solution
    if solution is None or not solution.is_file():
        raise AssignError(f"the lab {lab.name} has no solution notebook at {solution}")
    try:
        return generate_assignment(
            solution, out_dir or Path("assignments") / lab.name, lab_name=lab.name
        )
    except FileExistsError as error:  # out_dir holds something else: nothing was deleted
        raise AssignError(str(error)) from None


def _lab_of_solution(solution: Path) -> str | None:
    """The known lab whose solution notebook this is, if one is."""
    for name in known_labs():
        if get_lab(name).solution == solution.resolve():
            return name
    return None
