"""One batch of broken files, hostile notebooks and valid ones: it finishes, and nobody is lost.

Every input must come out with a score and a reason, and a row in the gradebook. Hostile
notebooks are valid solutions plus one attacking cell (or an attacking train_step), so
each is scored by its real work: an attack confined to its cell costs nothing else.
"""

import io
import json
import socket
import sqlite3
import threading
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.conftest import CORPUS, STUDENT, grade_folder, part_scores, zip_of

REFERENCE = CORPUS / "notebooks" / "valid_reference.ipynb"
HIDDEN_CHECK_LINE = "FIRST_STEP_TOLERANCE = 1e-6"


def reference_with(extra_cell: str | None = None, train_step: str | None = None) -> bytes:
    notebook = nbformat.read(REFERENCE, as_version=4)
    if train_step is not None:
        for cell in notebook.cells:
            if cell.cell_type == "code" and cell.source.startswith("def train_step"):
                cell.source = train_step
    if extra_cell is not None:
        setup = next(i for i, c in enumerate(notebook.cells) if "tf.Variable" in c.source)
        notebook.cells.insert(setup + 1, nbformat.v4.new_code_cell(extra_cell))
    return nbformat.writes(notebook).encode()


def zip_bomb() -> bytes:
    """One entry that unpacks 256 KB into 256 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb.ipynb", "w") as entry:
            block = b"\0" * (1 << 20)
            for _ in range(256):
                entry.write(block)
    return buffer.getvalue()


def with_outputs(megabytes: int) -> bytes:
    """The reference solution, its last code cell showing `megabytes` MB of output."""
    notebook = nbformat.read(REFERENCE, as_version=4)
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    last.outputs = [
        nbformat.v4.new_output("stream", text="y" * (1 << 20)) for _ in range(megabytes)
    ]
    return nbformat.writes(notebook).encode()


def minimal(**fields) -> bytes:
    return json.dumps({"metadata": {}, "nbformat": 4, "nbformat_minor": 5, **fields}).encode()


# name -> (file bytes, the words the reason must contain)
def bad_inputs() -> dict[str, tuple[bytes, str]]:
    solution = REFERENCE.read_bytes()
    huge_outputs = with_outputs(200)
    return {
        "not_json.ipynb": (b"this is not a notebook at all\n", "invalid JSON"),
        "truncated.ipynb": (solution[: len(solution) // 2], "invalid JSON"),
        "binary.ipynb": (bytes(range(256)) * 64, "not UTF-8"),
        "empty.ipynb": (b"", "empty"),
        "empty_zip.zip": (zip_of({}), "no notebook"),
        "bomb.zip": (zip_bomb(), "over 52 MB unpacked"),
        "escape.zip": (zip_of({"../../escape.ipynb": solution}), "unsafe path"),
        "absolute.zip": (zip_of({"/etc/absolute.ipynb": solution}), "unsafe path"),
        "nbformat3.ipynb": (json.dumps({"nbformat": 3, "worksheets": []}).encode(), "nbformat 3"),
        "no_cells.ipynb": (minimal(cells=[]), "no code cells"),
        "missing_cells.ipynb": (minimal(), "no list of 'cells'"),
        "wrong_cells.ipynb": (minimal(cells="print(1)"), "no list of 'cells'"),
        "source_not_text.ipynb": (
            minimal(cells=[{"cell_type": "code", "source": [1, 2], "metadata": {}}]),
            "neither text nor lines",
        ),
        "huge_200mb.ipynb": (huge_outputs, "limit"),
        "latin1.ipynb": ('{"cells": "é"}'.encode("latin-1"), "not UTF-8"),
        "untouched.ipynb": (STUDENT.read_bytes(), "train_step"),
    }


def hostile_notebooks(out: Path, port: int) -> dict[str, tuple[bytes, float]]:
    """name -> (notebook, the score its real work earns)."""
    forever = "def train_step():\n    while True:\n        pass"
    return {
        "loop_top_level.ipynb": (reference_with("while True:\n    pass"), 10.0),
        # train_step never returns: it and trainable_variables earn nothing; minimize does
        "loop_in_train_step.ipynb": (reference_with(train_step=forever), 4.0),
        "memory_hog.ipynb": (
            reference_with(
                "def hog():\n    held = []\n    for _ in range(80):\n"
                "        held.append(bytearray(100 << 20))\nhog()"
            ),
            10.0,
        ),
        "fork_bomb.ipynb": (
            reference_with(
                "import os, time\nfor _ in range(600):\n    if os.fork() == 0:\n"
                "        time.sleep(3)\n        os._exit(0)"
            ),
            10.0,
        ),
        "os_exit.ipynb": (reference_with("import os\nos._exit(0)"), 10.0),
        "sys_exit.ipynb": (reference_with("import sys\nsys.exit()"), 10.0),
        "keyboard_interrupt.ipynb": (reference_with("raise KeyboardInterrupt"), 10.0),
        "system_exit.ipynb": (reference_with("raise SystemExit(1)"), 10.0),
        "kill_parent.ipynb": (reference_with("import os\nos.kill(os.getppid(), 9)"), 10.0),
        "kill_neighbours.ipynb": (
            reference_with(
                "import os, signal\nfor pid in range(os.getpid() - 50, os.getpid() + 50):\n"
                "    try:\n        if pid != os.getpid():\n"
                "            os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass"
            ),
            10.0,
        ),
        "leak_checks.ipynb": (
            reference_with(
                "source = open(__import__('autograder').__path__[0]"
                " + '/labs/tf_intro/checks/check_train_step.py').read()\nraise ValueError(source)"
            ),
            10.0,
        ),
        "overwrite_results.ipynb": (
            reference_with(
                f"open({str(out / 'valid_one.json')!r}, 'w').write('{{\"score\": 0}}')\n"
            ),
            10.0,
        ),
        "socket.ipynb": (
            reference_with(
                f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)"
            ),
            10.0,
        ),
        "print_gigabyte.ipynb": (
            reference_with("line = 'x' * (1 << 20)\nfor _ in range(1024):\n    print(line)"),
            10.0,
        ),
        # outputs don't matter to grading: under the size limit, the code is graded
        "huge_outputs.ipynb": (with_outputs(40), 10.0),
        "fake_results.ipynb": (
            reference_with(
                'print(\'{"score": 10, "tests": [{"status": "passed"}]}\')\n'
                "open('results.json', 'w').write('{\"score\": 10}')"
            ),
            10.0,
        ),
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    out = tmp_path_factory.mktemp("batch-out")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    options = ("--cell-timeout", "10", "--probe-timeout", "30")
    # valid_one is graded by an earlier run: the batch finds it in the gradebook and leaves
    # its result file as it is, so an attack that overwrote that file would show.
    (folder / "valid_one.ipynb").write_bytes(REFERENCE.read_bytes())
    grade_folder(folder, out, "--workers", "1", *options)
    earlier_result = (out / "valid_one.json").read_bytes()
    bad = bad_inputs()
    hostile = hostile_notebooks(out, listener.getsockname()[1])
    for name, (data, _) in {**bad, **hostile}.items():
        (folder / name).write_bytes(data)
    (folder / "valid_two.ipynb").write_bytes(reference_with("print('another valid one')"))
    results = grade_folder(folder, out, "--workers", "2", *options)
    stop.set()
    thread.join()
    listener.close()
    return {
        "results": results,
        "bad": bad,
        "hostile": hostile,
        "out": out,
        "folder": folder,
        "connections": connections,
        "earlier_result": earlier_result,
    }


def test_every_input_has_a_result_with_a_score_and_a_reason(batch):
    expected = {Path(name).stem for name in [*batch["bad"], *batch["hostile"]]}
    expected |= {"valid_one", "valid_two"}
    assert set(batch["results"]) == expected
    for name, result in batch["results"].items():
        assert isinstance(result["score"], float), name
        assert result["output"].strip(), name


def test_every_input_has_exactly_one_row_in_the_gradebook(batch):
    with sqlite3.connect(batch["out"] / "gradebook.sqlite") as db:
        names = [row[0] for row in db.execute("SELECT name FROM submissions")]
    assert sorted(names) == sorted(batch["results"])


@pytest.mark.parametrize(
    "name",
    [
        "not_json",
        "truncated",
        "binary",
        "empty",
        "empty_zip",
        "bomb",
        "escape",
        "absolute",
        "nbformat3",
        "no_cells",
        "missing_cells",
        "wrong_cells",
        "source_not_text",
        "huge_200mb",
        "latin1",
        "untouched",
    ],
)
def test_a_broken_file_scores_zero_with_a_reason_the_instructor_can_act_on(batch, name):
    file = next(f for f in batch["bad"] if Path(f).stem == name)
    words = batch["bad"][file][1]
    result = batch["results"][name]
    assert result["score"] == 0.0
    everything = result["output"] + " ".join(test["output"] for test in result["tests"])
    assert words in everything


def test_valid_submissions_get_full_marks_among_all_this(batch):
    assert batch["results"]["valid_one"]["score"] == 10.0
    assert batch["results"]["valid_two"]["score"] == 10.0


@pytest.mark.parametrize(
    "name",
    [
        "loop_top_level",
        "loop_in_train_step",
        "memory_hog",
        "fork_bomb",
        "os_exit",
        "sys_exit",
        "keyboard_interrupt",
        "system_exit",
        "kill_parent",
        "kill_neighbours",
        "leak_checks",
        "overwrite_results",
        "socket",
        "print_gigabyte",
        "huge_outputs",
        "fake_results",
    ],
)
def test_a_hostile_notebook_is_stopped_and_scored_by_its_real_work(batch, name):
    file = next(f for f in batch["hostile"] if Path(f).stem == name)
    result = batch["results"][name]
    assert result["score"] == batch["hostile"][file][1], result["output"]


def test_no_attack_reached_the_grader_or_other_results(batch):
    leak = json.dumps(batch["results"]["leak_checks"])
    assert HIDDEN_CHECK_LINE not in leak
    assert batch["connections"] == []
    # overwrite_results went for valid_one's result, written by the earlier run and not
    # written again since: the batch found it in the gradebook
    with sqlite3.connect(batch["out"] / "gradebook.sqlite") as db:
        rows = db.execute("SELECT count(*) FROM submissions WHERE name = 'valid_one'").fetchone()
    assert rows == (1,), "valid_one was graded again, after the attack"
    assert (batch["out"] / "valid_one.json").read_bytes() == batch["earlier_result"]
    valid = json.loads(batch["earlier_result"])
    assert valid["score"] == 10.0 and valid["tests"]


def test_a_train_step_that_never_returns_fails_with_the_time_limit_as_its_reason(batch):
    result = batch["results"]["loop_in_train_step"]
    parts = part_scores(result)
    assert parts == {"train_step": 0.0, "trainable_variables": 0.0, "minimize": 4.0}
    reasons = " ".join(test["output"] for test in result["tests"] if test["score"] == 0)
    assert "time limit" in reasons
