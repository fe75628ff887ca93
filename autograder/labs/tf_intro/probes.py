"""Measuring code that runs inside the student's process.

Each probe sets up the conditions the grader asked for (fresh variables, a start point,
coefficients), calls the student's function, and reports what happened as plain numbers.
Probes hold no thresholds and no expected values: judging happens in the grader.
"""

import contextlib
import sys

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.ops import EagerTensor
from tensorflow.python.ops import gen_resource_variable_ops
from tensorflow.python.ops.resource_variable_ops import BaseResourceVariable, ResourceVariable

from autograder.labs.tf_intro.adam import ScalarAdam, install_for_student_code
from autograder.sandbox.cells import StudentCodeMissing, describe_error

_GradientTape = tf.GradientTape
_Variable = tf.Variable
_float32 = tf.float32
_tensor_to_numpy = EagerTensor.__dict__["_numpy_internal"]  # the C method itself
_variable_handle = BaseResourceVariable.__dict__["handle"].fget
_variable_dtype = BaseResourceVariable.__dict__["dtype"].fget
_read_variable = gen_resource_variable_ops.read_variable_op
_float = float
LEARNING_RATE = 0.1

# Classes whose methods the probes rely on to measure: restored to their state before
# any student code ran, so a patched .numpy() or apply_gradients can't fake a measurement.
# ScalarAdam's MRO holds tf_keras's Adam and its bases.
GUARDED = (ResourceVariable, EagerTensor, ScalarAdam, _GradientTape)


def student_function(namespace: dict, name: str):
    """The student's function, unwrapped from @tf.function so it runs eagerly."""
    function = namespace.get(name)
    if function is None:
        raise StudentCodeMissing(f"the notebook does not define {name}")
    function = getattr(function, "python_function", function)
    if not callable(function):
        raise StudentCodeMissing(f"{name} is a {type(function).__name__}, not a function")
    return function


def value_of(value) -> float | None:
    """A float read without calling anything student code can patch; None if unreadable.

    Student code runs inside a probe, so a patch of `.numpy()` made there would still be
    in place when the probe reads w. These readers were captured before any student
    code ran, and dispatch on the exact type, which no patch can change.
    """
    try:
        kind = type(value)
        if kind is ResourceVariable:
            value = _read_variable(_variable_handle(value), _variable_dtype(value))
            kind = type(value)
        if kind is EagerTensor:
            return _float(_tensor_to_numpy(value))
        if kind in (float, int, np.float32, np.float64):
            return _float(value)
    except Exception:  # noqa: BLE001 - an unreadable value is reported as missing
        return None
    return None


def describe_sources(sources, w) -> dict:
    if isinstance(sources, (list, tuple)):
        return {
            "kind": type(sources).__name__ if type(sources) in (list, tuple) else "sequence",
            "holds_w": [item is w for item in sources],
        }
    return {
        "kind": "variable" if isinstance(sources, _Variable) else "other",
        "holds_w": [sources is w],
    }


class Recorder:
    """Observes one probe: what the tape returned, and what reached the optimizer."""

    def __init__(self, w: ResourceVariable):
        self.w = w
        self.steps: list[dict] = []
        self.updates = 0
        self.detailed = True
        self.tape_tensors: list = []  # held so ids stay unique within a step

    def begin_step(self, detailed: bool = True) -> None:
        """Start a new step's record; past the detailed steps only updates are counted."""
        self.detailed = detailed
        self.tape_tensors = []
        if detailed:
            self.steps.append({"tape_calls": 0, "sources": None, "pairs": []})

    def _current(self) -> dict:
        if not self.steps:
            self.begin_step()
        return self.steps[-1]

    def on_tape_gradient(self, sources, result) -> None:
        if not self.detailed:
            return
        step = self._current()
        step["tape_calls"] += 1
        if step["sources"] is None:
            step["sources"] = describe_sources(sources, self.w)
        flat = result if isinstance(result, (list, tuple)) else [result]
        self.tape_tensors.extend(flat)

    def on_apply(self, pairs: list) -> None:
        self.updates += 1
        if not self.detailed:
            return
        step = self._current()
        tape_ids = {id(t) for t in self.tape_tensors if t is not None}
        for pair in pairs:
            gradient, variable = (
                pair if isinstance(pair, tuple) and len(pair) == 2 else (None, None)
            )
            step["pairs"].append(
                {
                    "gradient": value_of(gradient),
                    "variable_is_w": variable is self.w,
                    "variable_value": value_of(variable),
                    "from_tape": gradient is not None and id(gradient) in tape_ids,
                }
            )


def recording_optimizer(recorder: Recorder):
    class Adam(ScalarAdam):  # named like the real one, so messages read naturally
        def apply_gradients(self, grads_and_vars, *args, **kwargs):
            pairs = list(grads_and_vars)
            recorder.on_apply(pairs)
            return super().apply_gradients(pairs, *args, **kwargs)

    return Adam(LEARNING_RATE)


@contextlib.contextmanager
def recording_tape(recorder: Recorder, namespace: dict):
    """tf.GradientTape, as the student's code finds it, reports each gradient() call."""

    class GradientTape(_GradientTape):
        def gradient(self, target, sources, *args, **kwargs):
            result = super().gradient(target, sources, *args, **kwargs)
            recorder.on_tape_gradient(sources, result)
            return result

    aliases = [name for name, value in namespace.items() if value is _GradientTape]
    tf.GradientTape = GradientTape
    for name in aliases:
        namespace[name] = GradientTape
    try:
        yield
    finally:
        tf.GradientTape = _GradientTape
        for name in aliases:
            namespace[name] = _GradientTape


@contextlib.contextmanager
def rebound(namespace: dict, values: dict):
    missing = object()
    saved = {name: namespace.get(name, missing) for name in values}
    namespace.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


@contextlib.contextmanager
def local_capture(function, name: str, into: dict):
    """Records the final value of a local variable of `function` the first time it returns."""
    code = function.__code__

    def profiler(frame, event, arg):
        if event == "return" and frame.f_code is code and "seen" not in into:
            into["seen"] = True
            into["value"] = frame.f_locals.get(name, into.get("value"))

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        yield
    finally:
        sys.setprofile(previous)


def quiet():
    return contextlib.redirect_stdout(_Discard())


class _Discard:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


def train_step_run(namespace: dict, start: float, steps: int, detail_steps: int) -> dict:
    """Fresh w at `start`, fresh Adam(0.1); call train_step() `steps` times."""
    train_step = student_function(namespace, "train_step")
    w = _Variable(start, dtype=_float32)
    recorder = Recorder(w)
    optimizer = recording_optimizer(recorder)
    globals_ = train_step.__globals__
    values = {"w": w, "optimizer": optimizer}
    listed = globals_.get("trainable_variables")
    if isinstance(listed, (list, tuple)) and len(listed) == 1 and isinstance(listed[0], _Variable):
        values["trainable_variables"] = type(listed)([w])  # a global list of the old w
    path, error, captured = [], None, {}
    with rebound(globals_, values), recording_tape(recorder, globals_), quiet():
        for step in range(steps):
            recorder.begin_step(detailed=step < detail_steps)
            try:
                if step == 0:
                    with local_capture(train_step, "trainable_variables", captured):
                        train_step()
                else:
                    train_step()
            except Exception as failure:  # noqa: BLE001 - the student's error is the observation
                error = describe_error(failure)
                break
            path.append(value_of(w))
    local = captured.get("value")
    return {
        "path": path,
        "error": error,
        "steps": recorder.steps[:detail_steps],
        "local_trainable_variables": None if local is None else describe_sources(local, w),
    }


def training_run(namespace: dict, coefficients: list[float], start: float) -> dict:
    """training(x, w, optimizer) with x = coefficients, a fresh w and a fresh Adam(0.1)."""
    training = student_function(namespace, "training")
    w = _Variable(start, dtype=_float32)
    recorder = Recorder(w)
    optimizer = recording_optimizer(recorder)
    x = np.array(coefficients, dtype=np.float32)
    returned, error = None, None
    with quiet():
        try:
            returned = training(x, w, optimizer)
        except Exception as failure:  # noqa: BLE001
            error = describe_error(failure)
    pairs = [pair for step in recorder.steps for pair in step["pairs"]]
    return {
        "error": error,
        "returned_is_w": returned is w,
        "returned_type": type(returned).__name__,
        "w_final": value_of(w),
        "updates": recorder.updates,
        "pairs": pairs,
    }


PROBES = {"train_step_run": train_step_run, "training_run": training_run}


def before_student_code(gpu: bool) -> None:
    """On CPU, the notebook's own Adam is the probes' bit-identical, faster one (adam.py).
    With a GPU, tf_keras's own runs its update on the device, as the student would see it."""
    if not gpu:
        install_for_student_code()
