"""Reading the student's values without calling anything student code can patch.

Student code runs inside a probe, so a patch of `.numpy()` made there is still in place
when the probe reads the result. These readers were captured when the toolkit was
imported, before any student code ran, and dispatch on the exact type, which no patch
can change.
"""

import contextlib
import math

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.ops import EagerTensor
from tensorflow.python.ops import gen_resource_variable_ops
from tensorflow.python.ops.resource_variable_ops import BaseResourceVariable, ResourceVariable
from tf_keras.src.optimizers.legacy.optimizer_v2 import OptimizerV2
from tf_keras.src.optimizers.optimizer import Optimizer

from autograder.sandbox.cells import StudentCodeMissing
from autograder.tflab.fast_adam import ScalarAdam

_tensor_to_numpy = EagerTensor.__dict__["_numpy_internal"]  # the C method itself
_variable_handle = BaseResourceVariable.__dict__["handle"].fget
_variable_dtype = BaseResourceVariable.__dict__["dtype"].fget
_read_variable = gen_resource_variable_ops.read_variable_op
_array = np.array
_float = float
_isfinite = math.isfinite

MAX_VALUES = 100_000  # numbers reported for one value at most
MAX_ITEMS = 20  # items of a returned dict or tuple described at most

# Every optimizer class of tf_keras that student code can reach, new and legacy
OPTIMIZER_BASES = (Optimizer, OptimizerV2)

# Classes whose methods probes rely on to measure: the engine restores them (whole MRO)
# to their state before any student code ran, after the cells and after every probe.
GUARDED = (ResourceVariable, EagerTensor, tf.GradientTape, ScalarAdam, *OPTIMIZER_BASES)


def student_function(namespace: dict, name: str):
    """The student's function, unwrapped from @tf.function so it runs eagerly."""
    function = namespace.get(name)
    if function is None:
        raise StudentCodeMissing(f"the notebook does not define {name}")
    function = getattr(function, "python_function", function)
    if not callable(function):
        raise StudentCodeMissing(f"{name} is a {type(function).__name__}, not a function")
    return function


def as_array(value) -> np.ndarray | None:
    """A tensor's, variable's or plain number's values as numpy; None for anything else."""
    kind = type(value)
    try:
        if kind is ResourceVariable:
            value = _read_variable(_variable_handle(value), _variable_dtype(value))
            kind = type(value)
        if kind is EagerTensor:
            return _tensor_to_numpy(value)
        if kind in (np.ndarray, list, tuple, int, float, np.float32, np.float64):
            return _array(value)
    except Exception:  # noqa: BLE001 - an unreadable value is reported as missing
        return None
    return None


def value_of(value) -> float | None:
    """One number, or None if the value isn't one readable number."""
    if type(value) in (list, tuple):  # a container is not a number
        return None
    array = as_array(value)
    if array is None or array.size != 1 or array.dtype.kind not in "fiu":
        return None
    return _float(array.reshape(()))


def describe_tensor(value) -> dict:
    """Kind, dtype, shape and values of a returned value (non-finite numbers as None)."""
    kinds = {ResourceVariable: "Variable", EagerTensor: "Tensor"}
    report = {"kind": kinds.get(type(value), type(value).__name__[:80])}
    report.update(dtype=None, shape=None, values=None)
    array = as_array(value)
    if array is None:
        return report
    report["dtype"] = str(array.dtype)
    report["shape"] = [int(n) for n in array.shape]
    if array.size <= MAX_VALUES and array.dtype.kind in "fiub":
        flat = array.astype(np.float64).ravel()
        report["values"] = [_float(v) if _isfinite(v) else None for v in flat]
    return report


def describe(value, depth: int = 2) -> dict:
    """describe_tensor's report; for a dict or a tuple (to `depth` levels) also its items."""
    if depth and isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        return {"kind": "dict", "items": {str(k)[:40]: describe(v, depth - 1) for k, v in items}}
    if depth and isinstance(value, tuple):
        return {"kind": "tuple", "items": [describe(v, depth - 1) for v in value[:MAX_ITEMS]]}
    return describe_tensor(value)


class _Discard:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


def quiet():
    """The student's prints, discarded while a probe runs their code."""
    return contextlib.redirect_stdout(_Discard())
