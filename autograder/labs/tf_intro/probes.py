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
from tf_keras.src.optimizers.legacy.optimizer_v2 import OptimizerV2
from tf_keras.src.optimizers.optimizer import Optimizer

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
_run_functions_eagerly = tf.config.run_functions_eagerly
_functions_run_eagerly = tf.config.functions_run_eagerly
LEARNING_RATE = 0.1

# Every optimizer class of tf_keras that student code can reach, new and legacy: each one
# reports what it is asked to apply during a probe, whoever built the instance.
OPTIMIZER_BASES = (Optimizer, OptimizerV2)

# Classes whose methods the probes rely on to measure: restored to their state before
# any student code ran, so a patched .numpy() or apply_gradients can't fake a measurement.
# ScalarAdam's MRO holds tf_keras's Adam and its bases.
GUARDED = (ResourceVariable, EagerTensor, ScalarAdam, _GradientTape, *OPTIMIZER_BASES)


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
        self.given_optimizer = None  # the instance the probe hands to the student's code
        self.steps: list[dict] = []
        self.updates = 0  # by the given optimizer
        self.other_updates = 0  # by any optimizer the student's code built itself
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

    def on_apply(self, optimizer, pairs: list) -> None:
        given = optimizer is self.given_optimizer
        if given:
            self.updates += 1
        else:
            self.other_updates += 1
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
                    "given_optimizer": given,
                }
            )


class Adam(ScalarAdam):  # named like the real one, so messages read naturally
    pass


def fresh_optimizer(recorder: Recorder) -> Adam:
    optimizer = Adam(LEARNING_RATE)
    recorder.given_optimizer = optimizer
    return optimizer


def _library_optimizer_classes() -> list[type]:
    """tf_keras's optimizer classes and the grader's own that define apply_gradients.

    A class the student wrote is left alone: if its apply_gradients reaches a library
    one, that call is recorded; if it never does, nothing reached an optimizer.
    """
    found, frontier = [], [*OPTIMIZER_BASES, *OPTIMIZER_BASES[0].__mro__]
    while frontier:
        cls = frontier.pop()
        if cls in found or not cls.__module__.startswith(("tf_keras.", "autograder.")):
            continue
        found.append(cls)
        frontier += cls.__subclasses__()
    return [cls for cls in found if "apply_gradients" in vars(cls)]


@contextlib.contextmanager
def recording_optimizers(recorder: Recorder):
    """Every optimizer of the process reports each apply_gradients call to the recorder.

    Not just the instance the probe hands over: a train_step that builds its own Adam
    still hands its (gradient, variable) pairs to an optimizer, and that is what the
    trainable_variables part judges. minimize() reaches apply_gradients too. Only the
    outermost call is recorded: a subclass's apply_gradients that calls its base's is
    one update, not two.
    """
    classes = _library_optimizer_classes()
    originals = {cls: vars(cls)["apply_gradients"] for cls in classes}
    depth = [0]

    def recorded(original):
        def apply_gradients(self, grads_and_vars, *args, **kwargs):
            if depth[0]:
                return original(self, grads_and_vars, *args, **kwargs)
            pairs = list(grads_and_vars)
            recorder.on_apply(self, pairs)
            depth[0] += 1
            try:
                return original(self, pairs, *args, **kwargs)
            finally:
                depth[0] -= 1

        return apply_gradients

    for cls, original in originals.items():
        cls.apply_gradients = recorded(original)
    try:
        yield
    finally:
        for cls, original in originals.items():
            cls.apply_gradients = original


@contextlib.contextmanager
def functions_run_eagerly():
    """tf.function bodies run as Python while a probe observes them.

    A traced function calls the optimizer and the tape from Python only while tracing;
    after that its graph updates w without any call the probe could see. Eagerly, every
    call is seen, and the values are the same.
    """
    previous = _functions_run_eagerly()
    _run_functions_eagerly(True)
    try:
        yield
    finally:
        _run_functions_eagerly(previous)


@contextlib.contextmanager
def observing(recorder: Recorder):
    with recording_optimizers(recorder), functions_run_eagerly(), quiet():
        yield


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
    optimizer = fresh_optimizer(recorder)
    globals_ = train_step.__globals__
    values = {"w": w, "optimizer": optimizer}
    # Whatever the notebook named its optimizer (opt, adam), train_step gets a fresh one
    for name, value in list(globals_.items()):
        if isinstance(value, OPTIMIZER_BASES):
            values[name] = optimizer
    listed = globals_.get("trainable_variables")
    if isinstance(listed, (list, tuple)) and len(listed) == 1 and isinstance(listed[0], _Variable):
        values["trainable_variables"] = type(listed)([w])  # a global list of the old w
    path, error, captured = [], None, {}
    with rebound(globals_, values), recording_tape(recorder, globals_), observing(recorder):
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
    optimizer = fresh_optimizer(recorder)
    x = np.array(coefficients, dtype=np.float32)
    returned, error = None, None
    with observing(recorder):
        try:
            returned = training(x, w, optimizer)
        except Exception as failure:  # noqa: BLE001
            error = describe_error(failure)
    # The lab asks training to use the optimizer it is given: only its updates are judged
    pairs = [pair for step in recorder.steps for pair in step["pairs"] if pair["given_optimizer"]]
    return {
        "error": error,
        "returned_is_w": returned is w,
        "returned_type": type(returned).__name__,
        "w_final": value_of(w),
        "updates": recorder.updates,
        "other_updates": recorder.other_updates,
        "pairs": pairs,
    }


PROBES = {"train_step_run": train_step_run, "training_run": training_run}


def before_student_code(gpu: bool) -> None:
    """On CPU, the notebook's own Adam is the probes' bit-identical, faster one (adam.py).
    With a GPU, tf_keras's own runs its update on the device, as the student would see it."""
    if not gpu:
        install_for_student_code()
