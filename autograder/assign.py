"""Generate the student-facing assignment from a solution notebook with Otter Assign.

Otter Assign writes two views of the solution notebook: ``autograder/`` (solutions included)
and ``student/`` (solutions replaced by stubs, public tests only). Only the student view is
copied out; the autograder view never leaves the temporary directory.

Besides the student notebook and its ``tests/``, ``handout/`` holds what students are given:

- ``<lab>.zip``: a ``<lab>/`` folder with the notebook and its ``tests/``, to unzip and open
  in Jupyter or JupyterHub as it is;
- ``<lab>_colab.ipynb``: the same notebook made to work alone, for Google Colab, where the
  notebook is not a file next to the kernel. Its first code cell installs the pinned
  otter-grader and tf-keras when the runtime lacks them; the init cell carries the public
  checks and writes them to a temporary folder for ``grader.check``; the export cell, which
  otter cannot run in Colab, tells the student to submit the notebook itself instead.

Both are written byte for byte the same on every run: cells keep stable ids and zip entries
a fixed date.
"""

import importlib.metadata
import logging
import shutil
import tempfile
import zipfile
from pathlib import Path

import nbformat
from otter.assign import main as otter_assign

logger = logging.getLogger(__name__)

_STUDENT_VIEW = "student"
_TESTS_DIR = "tests"
HANDOUT_DIR = "handout"
_HANDOUT_SUFFIXES = (".zip", ".ipynb")
COLAB_SUFFIX = "_colab"
# A zip's earliest date: entries carry it rather than the time of generation.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

# Cells the Colab notebook adds or rewrites; the others keep the student notebook's ids.
INSTALL_CELL_ID = "colab-install"
_INIT_MARKER = "# Initialize Otter"
_EXPORT_CALL = "grader.export("

_INSTALL_CELL = """\
# Google Colab: install what this notebook needs and the runtime lacks; nothing when all is here.
# otter-grader runs the checks; tf-keras is the legacy Keras that TensorFlow 2.16+ needs for
# optimizer.minimize. Both are the versions the grader uses (pip may update TensorFlow to match).
import importlib.metadata
import importlib.util
import subprocess
import sys


def _installed(module):
    return module in sys.modules or importlib.util.find_spec(module) is not None


def _tensorflow_before_2_16():
    versions = [
        importlib.metadata.version(dist)
        for dist in importlib.metadata.packages_distributions().get("tensorflow", [])
    ]
    return bool(versions) and tuple(int(part) for part in versions[0].split(".")[:2]) < (2, 16)


_missing = []
if not _installed("otter"):
    _missing.append("otter-grader=={otter}")
if not _installed("tensorflow"):
    _missing += ["tensorflow=={tensorflow}", "tf-keras=={tf_keras}"]
elif not _installed("tf_keras") and not _tensorflow_before_2_16():
    _missing.append("tf-keras=={tf_keras}")
if _missing:
    print("Installing", " ".join(_missing))
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *_missing])
    importlib.invalidate_caches()
else:
    print("Nothing to install: otter-grader and TensorFlow with legacy Keras are here.")"""

_INIT_CELL = """\
# Initialize Otter
# In Colab this notebook is not a file next to a tests/ folder, so this cell carries the public
# checks and writes them to a temporary folder, where grader.check reads them.
import os
import tempfile

import otter

_PUBLIC_CHECKS = {checks}


def _write_public_checks():
    folder = tempfile.mkdtemp(prefix="{lab}-checks-")
    for name, source in _PUBLIC_CHECKS.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as file:
            file.write(source)
    return folder


grader = otter.Notebook(tests_dir=_write_public_checks())"""

_EXPORT_MARKDOWN = """\
## Submission

Make sure you have run all cells in your notebook in order, then save it (**File → Save**).

In Google Colab, otter cannot make a submission zip: this notebook lives in your Google Drive, \
not on the machine that runs it. Download the notebook itself with **File → Download → \
Download .ipynb** and submit that `.ipynb` file; it is graded just like a zip. \
(In Jupyter, where the notebook is a file in the working folder, the cell below makes otter's \
zip as usual.)"""

_EXPORT_CELL = """\
# Save your notebook first, then run this cell.
import sys

if "google.colab" in sys.modules:  # otter cannot export in Colab
    print(
        "Colab: submit the notebook itself. File → Download → Download .ipynb, then hand in"
        " the downloaded .ipynb file."
    )
else:
    {export}"""


def generate_assignment(solution: Path, out_dir: Path) -> list[Path]:
    """Run Otter Assign on ``solution`` and replace ``out_dir`` with the student notebook, its
    public tests and the handouts built from them. Returns the written files, sorted."""
    solution, out_dir = Path(solution), Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="otter-assign-") as tmp:
        student_view = _run_otter_assign(solution, Path(tmp))
        notebook = student_view / solution.name
        _stabilise_cell_ids(notebook, _cell_ids(solution))
        tests = sorted((student_view / _TESTS_DIR).glob("*.py"))
        sources = [notebook, *tests]
        _warn_about_skipped(student_view, sources)
        _clear_previous_output(out_dir)
        written = [_copy(src, student_view, out_dir) for src in sources]
    handout = out_dir / HANDOUT_DIR
    handout.mkdir()
    lab = solution.stem
    written.append(_write_zip(handout / f"{lab}.zip", lab, out_dir, written))
    colab = handout / f"{lab}{COLAB_SUFFIX}.ipynb"
    nbformat.write(colab_notebook(out_dir / solution.name, out_dir / _TESTS_DIR), colab)
    written.append(colab)
    logger.info("Wrote %d files to %s", len(written), out_dir)
    return sorted(written)


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


def _warn_about_skipped(student_view: Path, sources: list[Path]) -> None:
    for path in sorted(p for p in student_view.rglob("*") if p.is_file()):
        if path not in sources:
            logger.warning("Not copying %s from the student view", path.relative_to(student_view))


def _clear_previous_output(out_dir: Path) -> None:
    """Remove a previous output, refusing to delete anything else that lives in ``out_dir``."""
    if not out_dir.exists():
        return
    unexpected = [p.name for p in out_dir.iterdir() if not _generated(p)]
    if unexpected:
        # A mistyped out_dir (the repo root, say) must not be wiped.
        raise FileExistsError(
            f"{out_dir} holds files that are not a generated assignment: {sorted(unexpected)}"
        )
    shutil.rmtree(out_dir)


def _generated(path: Path) -> bool:
    """Whether ``path``, directly in an output folder, is something this module writes there."""
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


def _write_zip(path: Path, folder: str, root: Path, files: list[Path]) -> Path:
    """Zip ``files`` (the notebook and tests/*.py, under ``root``) into one ``folder``, so that
    unzipping gives a folder where the notebook finds its tests. Stored, not deflated: the bytes
    then depend on nothing but the files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for file in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{file.relative_to(root).as_posix()}", _ZIP_DATE_TIME)
            info.external_attr = 0o644 << 16  # rw-r--r--, whatever the umask here
            archive.writestr(info, file.read_bytes())
    logger.debug("Wrote %s", path)
    return path


def colab_notebook(student_notebook: Path, tests_dir: Path) -> nbformat.NotebookNode:
    """The student notebook made to work without its file or a tests folder on disk.

    It gains an install cell before otter's init cell, the init cell carries the public tests,
    and the export cell and its instructions say how to submit from Colab. Every other cell is
    the student notebook's, id included.
    """
    nb = nbformat.read(student_notebook, as_version=nbformat.NO_CONVERT)
    checks = {
        path.name: path.read_text(encoding="utf-8") for path in sorted(tests_dir.glob("*.py"))
    }
    init = _only_cell(nb, lambda c: c.cell_type == "code" and c.source.startswith(_INIT_MARKER))
    init.source = _INIT_CELL.format(checks=_dict_literal(checks), lab=student_notebook.stem)
    export = _only_cell(nb, lambda c: c.cell_type == "code" and _EXPORT_CALL in c.source)
    export_index = nb.cells.index(export)
    export_call = next(line for line in export.source.splitlines() if _EXPORT_CALL in line)
    export.source = _EXPORT_CELL.format(export=export_call.strip())
    instructions = nb.cells[export_index - 1]
    if instructions.cell_type != "markdown" or "Submission" not in instructions.source:
        raise RuntimeError("otter's export cell has no submission instructions above it")
    instructions.source = _EXPORT_MARKDOWN
    install = nbformat.v4.new_code_cell(_INSTALL_CELL.format(**_pins()))
    install.id = INSTALL_CELL_ID
    install.metadata = {"deletable": False, "editable": False}  # locked, as otter's cells are
    nb.cells.insert(nb.cells.index(init), install)
    nbformat.validate(nb)  # ids must stay unique
    return nb


def _only_cell(nb: nbformat.NotebookNode, predicate) -> nbformat.NotebookNode:
    cells = [cell for cell in nb.cells if predicate(cell)]
    if len(cells) != 1:
        raise RuntimeError(f"expected one such cell in the student notebook, found {len(cells)}")
    return cells[0]


def _pins() -> dict[str, str]:
    """The versions the grader runs with (constraints.txt installs them), for the install cell."""
    version = importlib.metadata.version
    return {
        "otter": version("otter-grader"),
        "tensorflow": version("tensorflow"),
        "tf_keras": version("tf-keras"),
    }


def _dict_literal(texts: dict[str, str]) -> str:
    """A dict literal of ``texts``, one line of source per string literal, readable and exact."""
    entries = []
    for name, text in texts.items():
        lines = "".join(f"        {line!r},\n" for line in text.splitlines(keepends=True))
        entries.append(f'    {name!r}: "".join([\n{lines}    ]),\n')
    return "{\n" + "".join(entries) + "}"
