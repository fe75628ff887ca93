"""What students are handed, built from the generated assignment.

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
import zipfile
from pathlib import Path

import nbformat

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


def write_zip(path: Path, folder: str, root: Path, files: list[Path]) -> Path:
    """Zip ``files`` (the notebook and tests/*.py, under ``root``) into one ``folder``, so that
    unzipping gives a folder where the notebook finds its tests. Stored, not deflated: the bytes
    then depend on nothing but the files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for file in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{file.relative_to(root).as_posix()}", _ZIP_DATE_TIME)
            info.external_attr = 0o644 << 16  # rw-r--r--, whatever the umask here
            archive.writestr(info, file.read_bytes())

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
