"""Grading on a Dask cluster.

The client (the instructor's `autograder grade --dask`) sends each submission's bytes and
identity to the workers and commits every result it gets back to the gradebook, as the
local path does: it is the only writer. Each worker process keeps one warm fork server
(`worker.WarmServerPlugin`) and grades exactly as a local worker process does: a fresh
sandboxed child per submission, probes over JSON, hidden checks in the worker itself.

    client.py     connect (an address, or local[:N]), check the workers, grade a batch
    versions      (autograder/versions.py) what must match between client and workers
    lab_copy.py   the lab's folder as bytes, unpacked on workers that lack an identical copy
    worker.py     the worker plugin and the task that grades one submission
"""
