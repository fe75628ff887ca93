import json

import pytest

from autograder.notebook import NotebookError, load_notebook
from tests.conftest import notebook_bytes


def test_code_cells_are_numbered_and_magics_become_python():
    notebook = load_notebook(notebook_bytes("x = 1", "%matplotlib inline\n!pip install foo\ny = 2"))
    assert [cell.number for cell in notebook.cells] == [1, 2]
    python = notebook.cells[1].python
    assert "get_ipython().run_line_magic('matplotlib', 'inline')" in python
    assert "get_ipython().system('pip install foo')" in python
    assert notebook.cells[1].source.startswith("%matplotlib")


def test_source_given_as_list_of_lines_is_joined():
    raw = json.loads(notebook_bytes("placeholder"))
    raw["cells"][0]["source"] = ["a = 1\n", "b = 2\n"]
    assert load_notebook(json.dumps(raw).encode()).cells[0].source == "a = 1\nb = 2\n"


def test_markdown_and_raw_cells_are_not_run():
    raw = json.loads(notebook_bytes("a = 1"))
    raw["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# Title é"})
    assert [cell.source for cell in load_notebook(json.dumps(raw).encode()).cells] == ["a = 1"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b'{"cells": [', "invalid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        (b'{"worksheets": [], "nbformat": 3}', "nbformat 3"),
        (b'{"nbformat": 4, "metadata": {}}', "no list of 'cells'"),
        (b'{"cells": {}, "nbformat": 4}', "no list of 'cells'"),
        (b'{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "no code cells"),
        (b"[1, 2, 3]", "not a notebook"),
        (b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        (b'{"cells": [], "n": ' + b"9" * 5000 + b"}", "not a notebook: Exceeds the limit"),
    ],
)
def test_unreadable_files_get_a_reason(data, reason):
    with pytest.raises(NotebookError, match=reason):
        load_notebook(data)


def test_a_cell_source_of_the_wrong_type_is_refused():
    raw = json.loads(notebook_bytes("a = 1"))
    raw["cells"][0]["source"] = [1, 2]
    with pytest.raises(NotebookError, match="code cell 1"):
        load_notebook(json.dumps(raw).encode())
