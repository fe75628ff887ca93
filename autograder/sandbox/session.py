"""Grader-side handle on one submission's process: start it, run the cells, ask probes.

If the student's process hangs past a limit or dies, it is killed and started again with
the offending cell skipped, so one bad cell costs only that cell. Probes that kill or hang
the process fail alone; the next probe gets a fresh process.
"""

import logging
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import channel
from autograder.sandbox.confine import kill_student_processes
from autograder.sandbox.environment import child_environment
from autograder.sandbox.forkserver import ForkServer

log = logging.getLogger(__name__)

# Extra time granted beyond a limit that the child enforces on itself, before it is killed.
GRACE_SECONDS = 5.0
STARTUP_SECONDS = 120.0


@dataclass(frozen=True)
class Limits:
    cell_seconds: float = 60.0
    probe_seconds: float = 60.0
    total_seconds: float = 900.0
    max_restarts: int = 3


@dataclass
class CellReport:
    index: int
    number: int
    status: str  # ok | error | timeout | killed | skipped
    output: str = ""
    error: dict | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


class ProbeFailed(Exception):
    """The student's process could not answer: it hung, died, or sent malformed data."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


@dataclass
class _Child:
    pid: int  # also its process group
    reader: channel.Reader
    write_fd: int
    process: subprocess.Popen | None = None  # None when forked by a ForkServer
    server: ForkServer | None = None

    def death_signal(self) -> int | None:
        """The signal that ended the process, if one did; waits up to a second to learn it."""
        deadline = time.monotonic() + 1.0
        while True:
            if self.process is not None:
                try:
                    code = self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    return None
                return -code if code < 0 else None
            status = self.server.exit_status(self.pid) if self.server is not None else None
            if status is not None:
                return os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if os.geteuid() == 0:  # then it ran as a user of its own, which may have escaped the group
            kill_student_processes(self.pid)
        if self.process is not None:
            self.process.wait()
        for fd in (self.reader.fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass


class NotebookSession:
    """One submission's student process, restarted as needed, never shared."""

    def __init__(
        self,
        cells: list[tuple[int, str]],
        probes_module: str,
        workdir: Path,
        limits: Limits = Limits(),
        gpu: bool = False,
        forkserver: ForkServer | None = None,
    ):
        self.cells = cells  # (code cell number, python source)
        self.probes_module = probes_module
        self.workdir = workdir
        self.limits = limits
        self.gpu = gpu
        self.forkserver = forkserver
        self.reports: dict[int, CellReport] = {}
        self.skip: set[int] = set()
        self.restarts = 0
        self.deadline = time.monotonic() + limits.total_seconds
        self._child: _Child | None = None
        self.problems: list[str] = []
        self.defences: dict[str, str] = {}  # what the student's process reported on itself
        # A process killed by a signal may be the kernel's doing (out of memory, say), not
        # the student's: the cell or probe gets one more try in a fresh process.
        self.signal_retries: set[str] = set()

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> "NotebookSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child = None

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _spawn(self) -> _Child:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        log_file = open(self.workdir / "process.log", "ab")  # noqa: SIM115
        if self.forkserver is not None:
            pid = self.forkserver.spawn(self.workdir, to_child_r, from_child_w, log_file.fileno())
            process = None
        else:
            process = self._start_cold(to_child_r, from_child_w, log_file)
            pid = process.pid
        log_file.close()
        os.close(to_child_r)
        os.close(from_child_w)
        return _Child(pid, channel.Reader(from_child_r), to_child_w, process, self.forkserver)

    def _start_cold(self, to_child_r: int, from_child_w: int, log_file) -> subprocess.Popen:
        """A fresh interpreter that imports TensorFlow itself: the slow path, no server."""
        return subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.child", str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w),
            cwd=self.workdir,
            env=child_environment(dict(os.environ), gpu=self.gpu),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,  # its own process group: killing it takes its children too
        )

    # -- cells -------------------------------------------------------------------------

    def run_cells(self) -> list[CellReport]:
        """Run every cell once (restarting past hung or fatal cells); return their reports."""
        self._ensure_child()
        return [self.reports[index] for index in sorted(self.reports)]

    def _ensure_child(self) -> _Child:
        while self._child is None:
            self._check_total_limit()
            child = self._spawn()
            if self._run_cells_in(child):
                self._child = child
            else:
                child.kill()
                self._check_total_limit()
                self.restarts += 1
                if self.restarts > self.limits.max_restarts + len(self.signal_retries):
                    raise ProbeFailed(
                        f"the notebook's process was restarted {self.limits.max_restarts} times"
                        " and gave up"
                    )
        return self._child

    def _check_total_limit(self) -> None:
        if self._remaining() <= 0:
            raise ProbeFailed(
                f"the notebook ran past the total time limit of {self.limits.total_seconds:g} s"
                " for a submission"
            )

    def _run_cells_in(self, child: _Child) -> bool:
        """True if every cell finished and the child is ready for probes."""
        channel.send(
            child.write_fd,
            {
                "op": "run",
                "probes": self.probes_module,
                "cell_seconds": self.limits.cell_seconds,
                # CPU time is summed over TensorFlow's threads: room for two busy cores
                "cpu_seconds": int(2 * self.limits.total_seconds) + 60,
                "gpu": self.gpu,
                "skip": sorted(self.skip),
                "cells": [
                    {"index": i, "number": number, "source": source}
                    for i, (number, source) in enumerate(self.cells)
                ],
            },
        )
        running: int | None = None
        timeout = STARTUP_SECONDS
        while True:
            try:
                message = child.reader.receive(min(timeout, max(self._remaining(), 0.1)))
            except channel.ChannelError as error:
                self._record_stuck_cell(running, error, child)
                return False
            event = message.get("event")
            if event == "confined":
                self.defences = _as_defences(message.get("defences"))
            elif event == "cell_start":
                running = _as_index(message.get("index"), len(self.cells))
                timeout = self.limits.cell_seconds + GRACE_SECONDS
            elif event == "cell_done":
                index = _as_index(message.get("index"), len(self.cells))
                if index is not None and index not in self.reports:
                    self.reports[index] = _cell_report(index, self.cells[index][0], message)
                running = None
                timeout = self.limits.cell_seconds + GRACE_SECONDS
            elif event == "ready":
                return True

    def _record_stuck_cell(
        self, running: int | None, error: channel.ChannelError, child: _Child
    ) -> None:
        if self._remaining() <= 0:
            if running is not None:
                self.reports[running] = CellReport(
                    running,
                    self.cells[running][0],
                    "timeout",
                    error={
                        "type": "CellKilled",
                        "where": None,
                        "message": "was still running when the total time limit ran out",
                    },
                )
            return
        if running is None:
            self.problems.append(f"the notebook's process failed outside any cell: {error}")
            log.warning("child failed outside a cell: %s", error)
            self.restarts = self.limits.max_restarts  # nothing to skip: retrying won't help
            return
        status = "timeout" if isinstance(error, channel.ChannelTimeout) else "killed"
        signal_number = child.death_signal() if status == "killed" else None
        if signal_number is not None:
            if self._retry_after_signal(f"cell {self.cells[running][0]}", signal_number):
                return
            why = f"ended the notebook's process: {_signal_name(signal_number)}, twice"
        elif status == "timeout":
            why = f"did not stop at the {self.limits.cell_seconds:g} s time limit and was killed"
        else:
            why = "ended the notebook's process (exit, crash or closed channel)"
        self.reports[running] = CellReport(
            running,
            self.cells[running][0],
            status,
            error={"type": "CellKilled", "message": why, "where": None},
        )
        self.skip.add(running)

    def _retry_after_signal(self, what: str, signal_number: int) -> bool:
        """True the first time `what` is ended by a signal: it is then run again."""
        if what in self.signal_retries:
            return False
        self.signal_retries.add(what)
        note = f"{what}: the process was killed by {_signal_name(signal_number)}; retried once"
        self.problems.append(note)
        log.warning(note)
        return True

    # -- probes ------------------------------------------------------------------------

    def probe(self, name: str, **args) -> dict:
        child = self._ensure_child()
        seconds = min(self.limits.probe_seconds, max(self._remaining(), 1.0))
        channel.send(
            child.write_fd, {"op": "probe", "name": name, "args": args, "seconds": seconds}
        )
        try:
            message = child.reader.receive(seconds + GRACE_SECONDS)
        except channel.ChannelError as error:
            signal_number = None
            if not isinstance(error, channel.ChannelTimeout):
                signal_number = child.death_signal()
            self.close()
            self.restarts += 1
            if signal_number is not None:
                if self._retry_after_signal(f"probe {name}", signal_number):
                    return self.probe(name, **args)
                raise ProbeFailed(
                    f"the notebook's process was killed by {_signal_name(signal_number)},"
                    " twice (by the kernel, for example when out of memory, or by the code)"
                ) from None
            if isinstance(error, channel.ChannelTimeout):
                raise ProbeFailed(
                    f"did not finish within the {seconds:g} s time limit", timed_out=True
                ) from None
            raise ProbeFailed(f"the notebook's process ended or misbehaved ({error})") from None
        if message.get("event") != "probe_done":
            self.close()
            raise ProbeFailed("the notebook's process sent an unexpected message")
        if "error" in message:
            error = message["error"]
            timed_out = isinstance(error, dict) and error.get("type") == "TimeLimitExceeded"
            raise ProbeFailed(_describe_probe_error(error), timed_out=timed_out)
        result = message.get("result")
        if not isinstance(result, dict):
            raise ProbeFailed("the notebook's process sent malformed data")
        return result


def _describe_probe_error(error) -> str:
    if not isinstance(error, dict):
        return "the notebook's process reported an unreadable error"
    kind, text = str(error.get("type")), str(error.get("message"))[:2000]
    return text if kind == "StudentCodeMissing" else f"{kind}: {text}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _as_defences(value) -> dict[str, str]:
    if not isinstance(value, dict):
        return {"report": "malformed"}
    return {str(key)[:40]: str(text)[:300] for key, text in list(value.items())[:10]}


def _as_index(value, count: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count:
        return value
    return None


def _cell_report(index: int, number: int, message: dict) -> CellReport:
    status = message.get("status")
    error = message.get("error")
    notes = message.get("notes")
    return CellReport(
        index=index,
        number=number,
        status=status if status in ("ok", "error", "timeout") else "error",
        output=str(message.get("output", ""))[:8000],
        error=error if isinstance(error, dict) else None,
        notes=[str(note) for note in notes][:50] if isinstance(notes, list) else [],
        seconds=_as_seconds(message.get("seconds")),
    )


def _as_seconds(value) -> float:
    """A cell's duration as the child reported it; anything but a finite non-negative
    number (the child may be hostile) reads as 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        seconds = float(value)
    except OverflowError:
        return 0.0
    return seconds if math.isfinite(seconds) and seconds >= 0 else 0.0
