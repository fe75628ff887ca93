"""A probe that calls a student's function on arguments the grader describes in JSON.

Most functions of a lab are judged the same way: call it on inputs of the grader's
choosing, report what it returned, and sometimes which of its inputs the output's
gradient reaches. A lab lists `call_run` in its PROBES and the checks describe the
arguments (see `autograder.tflab.observer.tensor` and `variables`):

    {"tensor": nested list, "dtype": "float32"}        a constant tensor
    {"variables": {name: nested list}, "dtype": ...}   a dict of tf.Variables
    anything else                                      passed as it is (numbers, strings)

A case is {"args": [...], "kwargs": {...}, "gradients": [argument indices]}. For each index
the run reports the gradient of the summed output: its values for a tensor argument, and
for a dict of variables which of them it reaches.
"""

import contextlib

import numpy as np
import tensorflow as tf

from autograder.sandbox.cells import describe_error
from autograder.tflab.flow import gradients_reaching, summed, training_report
from autograder.tflab.readers import describe, describe_tensor, quiet, student_function
from autograder.tflab.recording import Recording, functions_run_eagerly, observing

_GradientTape = tf.GradientTape
_Variable = tf.Variable
_constant = tf.constant
_array = np.array


def build(spec):
    """The argument a spec describes."""
    if isinstance(spec, dict) and "tensor" in spec:
        return _constant(_array(spec["tensor"], dtype=spec.get("dtype", "float32")))
    if isinstance(spec, dict) and "variables" in spec:
        dtype = spec.get("dtype", "float32")
        return {name: _Variable(_array(v, dtype=dtype)) for name, v in spec["variables"].items()}
    return spec


def call(function, case: dict) -> dict:
    args = [build(spec) for spec in case.get("args", [])]
    kwargs = {name: build(spec) for name, spec in case.get("kwargs", {}).items()}
    wrt = [index for index in case.get("gradients", []) if 0 <= index < len(args)]
    run = {"error": None, "result": None, "gradients": []}
    try:
        # a tape only where a gradient is asked for: it records every op of the call
        recorder = _GradientTape(persistent=True) if wrt else contextlib.nullcontext()
        with recorder as tape, functions_run_eagerly(), quiet():
            for index in wrt:
                tape.watch(tf.nest.flatten(args[index]))
            output = function(*args, **kwargs)
            total = summed(output) if wrt else None
        run["result"] = describe(output)
        for index in wrt:
            if isinstance(args[index], dict):
                run["gradients"].append({"reached": gradients_reaching(tape, total, args[index])})
            else:
                gradient = None if total is None else tape.gradient(total, args[index])
                run["gradients"].append({"values": describe_tensor(gradient)})
    except Exception as failure:  # noqa: BLE001 - the student's error is the observation
        run["error"] = describe_error(failure)
    return run


def call_run(namespace: dict, function: str, cases: list) -> dict:
    """The notebook's `function` called on each case: {"runs": [one report per case]}."""
    student = student_function(namespace, function)
    return {"runs": [call(student, case) for case in cases]}


def observed_call(function, *args, watch: list | None = None, **kwargs) -> dict:
    """`function(*args, **kwargs)` under observation (autograder.tflab.observer.Run): its
    error, what it returned, and what its training did to the variables of the first
    `Updates` in `watch` (a list the lab's code may fill during the call)."""
    returned, error = None, None
    with observing(Recording(values=False)) as recording:
        try:
            returned = function(*args, **kwargs)
        except Exception as failure:  # noqa: BLE001 - the student's error is the observation
            error = describe_error(failure)
    report = training_report(recording, watch[0] if watch else None)
    return {"error": error, "returned": describe(returned), "training": report}
