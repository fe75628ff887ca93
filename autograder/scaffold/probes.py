"""LAB_NAME's probes: run in the student's sandboxed process, after the notebook's cells.

A probe measures and reports plain data (numbers, strings, lists, dicts): the hidden checks
in the grader process judge it. A probe never decides a score, never reads the hidden
checks (it can't: they are out of the process's reach) and gets its hidden inputs as
arguments from the checks. Each probe takes the notebook's namespace first.

Read student values without calling their methods where you can: a student's object may
define __float__ or __eq__ to lie. float(numpy.asarray(...)) of a float64 array is safe.
"""

import numpy


def scale_run(namespace: dict, values: list[float], factor: float) -> dict:
    """The student's scale(x, factor) for each x of `values`, as plain floats."""
    scale = namespace.get("scale")
    if not callable(scale):
        return {"defined": False, "outputs": []}
    outputs = []
    for value in values:
        result = scale(numpy.float32(value), numpy.float32(factor))
        # None (a stub's `...` returns it) or NaN is no answer: reported as None
        number = None if result is None else numpy.asarray(result, dtype=numpy.float64)
        finite = number is not None and number.size == 1 and bool(numpy.isfinite(number).all())
        outputs.append(float(number.reshape(())) if finite else None)
    return {"defined": True, "outputs": outputs}


# The probes the checks may ask for, by name.
PROBES = {"scale_run": scale_run}
