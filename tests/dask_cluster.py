"""A real Dask cluster for tests: a `dask scheduler` and `dask worker` processes on
127.0.0.1, started from the project's environment as an instructor would start them."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

DASK = str(Path(sys.executable).with_name("dask"))


class Cluster:
    """A scheduler and its workers, each in a process group of its own so one can be killed
    whole (nanny and worker)."""

    def __init__(self, log_dir: Path, port: int = 0):
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}  # by the name given with --name
        self.scheduler_file = log_dir / "scheduler.json"  # as Slurm setups share the address
        # Port 0: the scheduler binds a free port itself, so clusters started by tests that
        # run at once never race for one; its address is read back from the scheduler file.
        # A port given: a scheduler started again where the last one was.
        self.scheduler_file.unlink(missing_ok=True)  # a killed scheduler leaves its own
        self.scheduler = self._start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--scheduler-file",
            str(self.scheduler_file),
        )
        try:
            self.address = self._address_of(self.scheduler)
        except BaseException:
            self.stop()
            raise

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])

    def _address_of(self, scheduler: subprocess.Popen) -> str:
        """The address the scheduler wrote into its scheduler file, once it has."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert scheduler.poll() is None, f"the scheduler exited; its log is in {self.log_dir}"
            try:
                return json.loads(self.scheduler_file.read_text())["address"]
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                time.sleep(0.1)  # not written yet, or half written
        raise AssertionError(f"the scheduler wrote no address in 120 s; see {self.log_dir}")

    def _start(self, role: str, *args: str, env: dict | None = None) -> subprocess.Popen:
        log = open(self.log_dir / f"{role}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [DASK, role, *args, "--no-dashboard"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
            env=env,
        )
        self.processes.append(process)
        return process

    def add_worker(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        name = f"worker-{len(self.workers)}"
        self.workers[name] = self._start(
            "worker",
            self.address,
            *("--name", name, "--nthreads", "1", "--memory-limit", "0", *args),
            env=env,
        )
        return self.workers[name]

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(count, timeout=120)

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
