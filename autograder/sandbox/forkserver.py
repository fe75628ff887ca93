"""A warm process that has imported TensorFlow once and forks a fresh child per submission.

Importing TensorFlow costs seconds; forking after the import costs milliseconds. No
TensorFlow op runs in the server before it forks, so every child starts clean: it creates
its own eager context and never shares one with another submission. Children are never
reused.

The grader talks to the server over a Unix socket: it passes the child's channel and log
file descriptors (SCM_RIGHTS) and a working directory, and gets back the child's pid.
The server reaps its children itself and keeps how each one ended, for the grader to ask;
the grader kills a child by its process group.
"""

import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox.environment import child_environment

PRELOAD = ("numpy", "tensorflow", "tf_keras", "autograder.sandbox.child")


class ForkServerDied(RuntimeError):
    """The grader's own warm process is gone: a grader failure, never the student's."""


@dataclass
class ForkServer:
    """Grader-side handle on one warm server process."""

    process: subprocess.Popen
    sock: socket.socket

    @classmethod
    def start(cls, gpu: bool = False) -> "ForkServer":
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.forkserver", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            env=child_environment(dict(os.environ), gpu=gpu),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # import chatter; each child logs to its own file
        )
        theirs.close()
        server = cls(process, ours)
        server._request(b"ping", [])  # waits until the imports are done
        return server

    def spawn(self, workdir: Path, read_fd: int, write_fd: int, log_fd: int) -> int:
        """Fork a child running the student-process main loop; returns its pid."""
        return self._request(
            json.dumps({"cwd": str(workdir)}).encode(), [read_fd, write_fd, log_fd]
        )

    def exit_status(self, pid: int) -> int | None:
        """The child's wait status once it has ended and been reaped, else None."""
        status = self._request(f"status {pid}".encode(), [])
        return None if status < 0 else status

    def _request(self, payload: bytes, fds: list[int]) -> int:
        try:
            socket.send_fds(self.sock, [payload], fds)
            answer = self.sock.recv(64)
        except OSError as error:
            raise ForkServerDied(f"the fork server stopped ({error})") from None
        if not answer:
            raise ForkServerDied("the fork server stopped")
        return int(answer)

    def close(self) -> None:
        self.sock.close()  # the server exits when its socket closes
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve(sock: socket.socket) -> None:
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    ended: dict[int, int] = {}  # pid -> wait status, until the grader asks

    def reap(_signum, _frame):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            ended[pid] = status

    signal.signal(signal.SIGCHLD, reap)  # each child restores the default for itself
    while True:
        payload, fds, _, _ = socket.recv_fds(sock, 4096, 3)
        if not payload:
            return
        if payload == b"ping":
            sock.sendall(b"0")
            continue
        if payload.startswith(b"status "):
            sock.sendall(str(ended.pop(int(payload.split()[1]), -1)).encode())
            continue
        request = json.loads(payload)
        pid = os.fork()
        if pid == 0:
            _become_child(sock, request, fds)
        for fd in fds:
            os.close(fd)
        sock.sendall(str(pid).encode())


def _become_child(sock: socket.socket, request: dict, fds: list[int]) -> None:
    status = 1
    try:
        sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()  # its own process group: the grader kills it with everything it started
        os.chdir(request["cwd"])
        read_fd, write_fd, log_fd = fds
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.dup2(log_fd, 2)
        from autograder.sandbox import child

        child.main(read_fd, write_fd)
        status = 0
    finally:
        os._exit(status)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
