"""Entry point of the student's process: run the cells, then answer probe requests.

Forked by the warm fork server (`forkserver.py`), or started cold by `session.NotebookSession`
as `python -m autograder.sandbox.child READ_FD WRITE_FD`.
It only ever receives cell sources and probe requests, and only ever sends plain JSON.
"""

import builtins
import importlib
import importlib.util
import json
import math
import os
import sys
import tempfile
from pathlib import Path

from autograder import channel
from autograder.sandbox.cells import (
    TimeLimitExceeded,
    describe_error,
    otter_stub,
    run_cell,
    time_limit,
)
from autograder.sandbox.confine import Policy, confine
from autograder.sandbox.environment import apply_in_child

apply_in_child()

import numpy  # noqa: E402  - after the environment is fixed
import tensorflow  # noqa: E402, F401

GUARDED_MODULES = (builtins, math, json, numpy)


class Snapshot:
    """Undoes student monkeypatches of shared modules and classes before probes measure.

    Classes are covered with their whole MRO, so a patch placed on a subclass to shadow
    a base method is removed too.
    """

    def __init__(self, targets):
        owners = []
        for target in targets:
            chain = target.__mro__[:-1] if isinstance(target, type) else (target,)
            owners += [owner for owner in chain if owner not in owners]
        self.saved = [(owner, dict(vars(owner))) for owner in owners]

    def restore(self) -> None:
        for owner, attributes in self.saved:
            current = vars(owner)
            for name in [name for name in current if name not in attributes]:
                delattr(owner, name)
            for name, value in attributes.items():
                if current.get(name, _MISSING) is not value:
                    setattr(owner, name, value)


_MISSING = object()


def new_namespace() -> dict:
    return {"__name__": "__main__", "__builtins__": builtins}


def run_cells(request: dict, namespace: dict, write_fd: int) -> None:
    for cell in request["cells"]:
        index = cell["index"]
        if index in request.get("skip", ()):
            continue
        channel.send(write_fd, {"event": "cell_start", "index": index})
        outcome = run_cell(cell["source"], cell["number"], namespace, request["cell_seconds"])
        channel.send(write_fd, outcome.to_message(index))


def answer_probe(probes, request: dict, namespace: dict) -> dict:
    probe = getattr(probes, "PROBES", {}).get(request["name"])
    if probe is None:
        return {
            "event": "probe_done",
            "error": {"type": "UnknownProbe", "message": request["name"]},
        }
    try:
        with time_limit(request["seconds"]):
            result = probe(namespace, **request.get("args", {}))
    except TimeLimitExceeded as stop:
        return {"event": "probe_done", "error": {"type": "TimeLimitExceeded", "message": str(stop)}}
    except BaseException as failure:  # noqa: BLE001 - reported, never fatal to the child
        return {"event": "probe_done", "error": describe_error(failure)}
    return {"event": "probe_done", "result": result}


def load_probes(reference: str):
    """A built-in lab's probes by module name; a lab folder's by the path of its probes.py,
    read here before the process is confined (after it, the lab's folder is out of reach)."""
    if reference.endswith(".py"):
        spec = importlib.util.spec_from_file_location("lab_probes", reference)
        module = importlib.util.module_from_spec(spec)
        sys.modules["lab_probes"] = module  # dataclasses and pickling look modules up here
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(reference)


def main(read_fd: int, write_fd: int) -> None:
    reader = channel.Reader(read_fd)
    request = reader.receive(timeout=3600)
    probes = load_probes(request["probes"])  # trusted code, loaded before students'
    sys.modules["otter"] = otter_stub()
    prepare = getattr(probes, "before_student_code", None)  # the lab's own setup, if any
    if prepare is not None:
        prepare(bool(request.get("gpu")))
    private = Path.cwd()
    os.environ.update(HOME=str(private), TMPDIR=str(private), MPLCONFIGDIR=str(private))
    tempfile.tempdir = None
    policy = Policy(
        private, cpu_seconds=int(request.get("cpu_seconds", 1800)), gpu=bool(request.get("gpu"))
    )
    defences = confine(policy)
    channel.send(write_fd, {"event": "confined", "defences": defences})
    snapshot = Snapshot((*GUARDED_MODULES, *getattr(probes, "GUARDED", ())))
    namespace = new_namespace()
    run_cells(request, namespace, write_fd)
    snapshot.restore()
    channel.send(write_fd, {"event": "ready"})
    while True:
        try:
            request = reader.receive(timeout=3600)
        except channel.ChannelClosed:
            return
        reply = answer_probe(probes, request, namespace)
        snapshot.restore()
        channel.send(write_fd, reply)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
