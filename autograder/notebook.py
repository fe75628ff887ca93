"""Loading and validating a submitted notebook, and turning its code cells into Python."""

import json
import logging
import warnings
from dataclasses import dataclass

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

log = logging.getLogger(__name__)

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


class NotebookError(Exception):
    """The file can't be graded as a notebook; the message tells the instructor why."""


@dataclass(frozen=True)
class CodeCell:
    number: int  # 1-based among code cells, as students count them
    source: str  # the cell as written
    python: str  # magics and !shell lines rewritten as get_ipython() calls


@dataclass(frozen=True)
class Notebook:
    cells: tuple[CodeCell, ...]
    nbformat: int

    def code_sources(self) -> list[str]:
        return [cell.source for cell in self.cells]


def too_large(size: int) -> str:
    return (
        f"the notebook is {size / 1e6:.0f} MB, over the {MAX_NOTEBOOK_BYTES / 1e6:.0f} MB"
        " limit (clear its outputs and resubmit)"
    )


def load_notebook(data: bytes) -> Notebook:
    if not data.strip():
        raise NotebookError("the file is empty")
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(too_large(len(data)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotebookError(f"the file is not UTF-8 text (byte {error.start})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(
            f"the file is not a notebook: invalid JSON at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:  # valid JSON, nested deeper than Python builds objects
        raise NotebookError("the file is not a notebook: its JSON is nested too deeply") from None
    except ValueError as error:  # an integer longer than Python converts
        raise NotebookError(f"the file is not a notebook: {error}") from None
    return _validated(raw)


def _validated(raw) -> Notebook:
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        if isinstance(raw, dict) and "worksheets" in raw:
            raise NotebookError("the notebook is in the old nbformat 3; save it as nbformat 4")
        raise NotebookError("the file is JSON but not a notebook: it has no list of 'cells'")
    major = raw.get("nbformat")
    if major != 4:
        raise NotebookError(f"unsupported nbformat {major!r}; save the notebook as nbformat 4")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids and the like don't matter here
            nbformat.validate(nbformat.from_dict(raw), relax_add_props=True)
    except Exception as error:  # noqa: BLE001 - nbformat's validator itself trips on odd shapes
        # Outputs and metadata don't matter for grading; only refuse what breaks the cells.
        log.info("notebook not fully valid, grading its cells anyway: %s", error)
    cells = []
    for cell in raw["cells"]:
        if not isinstance(cell, dict):
            raise NotebookError("a cell in the notebook is not a JSON object")
        if cell.get("cell_type") != "code":
            continue
        source = _source_text(cell.get("source", ""), len(cells) + 1)
        cells.append(CodeCell(len(cells) + 1, source, to_python(source)))
    if not cells:
        raise NotebookError("the notebook has no code cells")
    return Notebook(tuple(cells), major)


def _source_text(source, number: int) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise NotebookError(f"code cell {number} has a source that is neither text nor lines of text")


def to_python(source: str) -> str:
    """IPython syntax (%magic, %%cell magic, !shell) as plain Python calling get_ipython()."""
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - leave it to the child to report the SyntaxError
        return source
