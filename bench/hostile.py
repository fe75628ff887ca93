"""Inputs that try to break a batch, shared by `bench.soak` and the tests
(tests/test_hostile_batch.py, tests/test_defences.py): files that can't be graded,
hostile notebooks, and a socket that records whether anything reached it.

Hostile notebooks are the valid solution plus one attacking cell (or an attacking
train_step), so each is scored by its real work: an attack confined to its cell costs
nothing else.
"""

import io
import json
import socket
import threading
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "corpus" / "notebooks" / "valid_reference.ipynb"
STUDENT = ROOT / "assignments" / "tf_intro" / "tf_intro.ipynb"  # as handed out


class Listener:
    """A socket that records whether anything ever connected to it."""

    def __init__(self, family: int, address):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.address = self.sock.getsockname()
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def zip_of(entries: dict[str, bytes]) -> bytes:
    """A zip holding `entries` (name -> bytes), deflated as LMS downloads are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


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
    """name -> (notebook, the score its real work earns). `overwrite_results` writes to
    OUT/valid_one.json; `socket` connects to 127.0.0.1:PORT."""
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
