"""Runs one student cell in the child process: time limit, captured output, magics, otter calls.

Everything here runs inside the student's process. It holds no checks and no expected
values; it only executes code and describes what happened in plain data.
"""

import contextlib
import io
import linecache
import signal
import sys
import time
import traceback
import types
from dataclasses import dataclass, field

MAX_OUTPUT_CHARS = 4000
MAX_MESSAGE_CHARS = 1500


class StudentCodeMissing(Exception):
    """A probe needs a name the notebook never defined."""


class TimeLimitExceeded(BaseException):
    """Raised by the alarm. A BaseException so `except Exception` in student code can't eat it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def on_alarm(signum, frame):
        raise TimeLimitExceeded(f"stopped after the {seconds:g} s time limit")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class CappedText(io.TextIOBase):
    """A text sink that keeps the first MAX_OUTPUT_CHARS characters and counts the rest."""

    def __init__(self, limit: int = MAX_OUTPUT_CHARS):
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n… {self.dropped} more characters not kept"
        return text


def cell_filename(number: int) -> str:
    return f"<code cell {number}>"


def describe_error(error: BaseException) -> dict:
    """Type, message and the innermost student line, for feedback. No grader frames."""
    where = None
    for frame, line in traceback.walk_tb(error.__traceback__):
        name = frame.f_code.co_filename
        if name.startswith("<code cell "):
            where = f"{name[1:-1]}, line {line}, in {frame.f_code.co_name}"
    message = str(error)
    if isinstance(error, SyntaxError) and error.filename and error.filename.startswith("<code"):
        where = f"{error.filename[1:-1]}, line {error.lineno}"
        message = error.msg
    return {
        "type": type(error).__name__,
        "message": message[:MAX_MESSAGE_CHARS],
        "where": where,
    }


@dataclass
class IPythonShim:
    """Stands in for get_ipython(): magics run their Python, shell commands never run."""

    namespace: dict
    notes: list[str] = field(default_factory=list)

    _RUN_BODY = ("time", "timeit", "capture", "prun")

    def system(self, command: str) -> None:
        self.notes.append(f"shell command not run: !{command}")

    def getoutput(self, command: str) -> list:
        self.system(command)
        return []

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1):
        if name in self._RUN_BODY and line.strip():
            return _run_source(line, self.namespace, "<magic>")
        if name in ("pip", "conda", "sx", "system"):
            return self.system(f"{name} {line}")
        self.notes.append(f"magic skipped: %{name} {line}".rstrip())
        return None

    def run_cell_magic(self, name: str, line: str, cell: str):
        if name in self._RUN_BODY:
            return _run_source(cell, self.namespace, "<magic>")
        if name in ("bash", "sh", "script", "system"):
            return self.system(cell.strip().splitlines()[0] if cell.strip() else name)
        self.notes.append(f"cell magic skipped: %%{name}")
        return None

    @property
    def user_ns(self) -> dict:
        return self.namespace


def _run_source(source: str, namespace: dict, filename: str):
    try:
        code = compile(source, filename, "eval")
    except SyntaxError:
        exec(compile(source, filename, "exec"), namespace)
        return None
    return eval(code, namespace)


def otter_stub() -> types.ModuleType:
    """`import otter` inside the sandbox: grader.check/export become instant no-ops.

    The public checks are for students at their desk; running them here would only
    cost time and could fail on paths that don't exist in the sandbox.
    """

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    module = types.ModuleType("otter")
    module.Notebook = Notebook
    return module


@dataclass
class CellOutcome:
    status: str  # "ok" | "error" | "timeout"
    output: str
    error: dict | None
    notes: list[str]
    seconds: float

    def to_message(self, index: int) -> dict:
        return {
            "event": "cell_done",
            "index": index,
            "status": self.status,
            "output": self.output,
            "error": self.error,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def run_cell(source: str, number: int, namespace: dict, seconds: float) -> CellOutcome:
    """Compile and run one cell in `namespace`; never lets the student's exception escape."""
    shim = IPythonShim(namespace)
    namespace["get_ipython"] = lambda: shim
    filename = cell_filename(number)
    # Registered so tracebacks can quote the student's own lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    output = CappedText()
    started = time.monotonic()
    status, error = "ok", None
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            with time_limit(seconds):
                exec(compile(source, filename, "exec"), namespace)
    except TimeLimitExceeded as stop:
        status, error = (
            "timeout",
            {
                "type": "TimeLimitExceeded",
                "message": str(stop),
                "where": describe_error(stop)["where"],
            },
        )
    except BaseException as failure:  # noqa: BLE001 - SystemExit, KeyboardInterrupt included
        status, error = "error", describe_error(failure)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return CellOutcome(status, output.getvalue(), error, shim.notes, time.monotonic() - started)
