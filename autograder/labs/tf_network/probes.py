"""Measuring code that runs inside the student's process.

Each probe builds the inputs the grader sent (plain JSON numbers), calls one student
function with them, and reports what came back as plain numbers. Every function gets
correct inputs of its own, never another student function's output, so one mistake
costs points only in its own part. Probes hold no thresholds and no expected values.
"""

import contextlib
import math
import shutil

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.ops import EagerTensor
from tensorflow.python.ops import gen_resource_variable_ops
from tensorflow.python.ops.resource_variable_ops import BaseResourceVariable, ResourceVariable
from tf_keras.src.optimizers.legacy.optimizer_v2 import OptimizerV2
from tf_keras.src.optimizers.optimizer import Optimizer

from autograder.labs.tf_network.dataset import DIGITS, NOTEBOOK_PATH
from autograder.sandbox.cells import StudentCodeMissing, describe_error

_GradientTape = tf.GradientTape
_Variable = tf.Variable
_constant = tf.constant
_float32 = tf.float32
_matmul = tf.linalg.matmul
_relu = tf.nn.relu
_tensor_to_numpy = EagerTensor.__dict__["_numpy_internal"]  # the C method itself
_variable_handle = BaseResourceVariable.__dict__["handle"].fget
_variable_dtype = BaseResourceVariable.__dict__["dtype"].fget
_read_variable = gen_resource_variable_ops.read_variable_op
_run_functions_eagerly = tf.config.run_functions_eagerly
_functions_run_eagerly = tf.config.functions_run_eagerly
_array = np.array
_isfinite = math.isfinite

OPTIMIZER_BASES = (Optimizer, OptimizerV2)
# Restored to their state before any student code ran, after the cells and every probe
GUARDED = (ResourceVariable, EagerTensor, _GradientTape, *OPTIMIZER_BASES)
PARAMETER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
MAX_VALUES = 100_000  # numbers reported for one tensor at most


def student_function(namespace: dict, name: str):
    """The student's function, unwrapped from @tf.function so it runs eagerly."""
    function = namespace.get(name)
    if function is None:
        raise StudentCodeMissing(f"the notebook does not define {name}")
    function = getattr(function, "python_function", function)
    if not callable(function):
        raise StudentCodeMissing(f"{name} is a {type(function).__name__}, not a function")
    return function


def describe_tensor(value) -> dict:
    """Kind, dtype, shape and values of a returned value, read without student-patchable calls."""
    kind = type(value)
    report = {"kind": kind.__name__[:80], "dtype": None, "shape": None, "values": None}
    try:
        if kind is ResourceVariable:
            report["kind"] = "Variable"
            value = _read_variable(_variable_handle(value), _variable_dtype(value))
            kind = type(value)
        elif kind is EagerTensor:
            report["kind"] = "Tensor"
        if kind is EagerTensor:
            array = _tensor_to_numpy(value)
        elif kind in (np.ndarray, list, tuple, int, float, np.float32, np.float64):
            array = _array(value)
        else:
            return report
        report["dtype"] = str(array.dtype)
        report["shape"] = [int(n) for n in array.shape]
        if array.size <= MAX_VALUES and array.dtype.kind in "fiub":
            flat = array.astype(np.float64).ravel()
            report["values"] = [float(v) if _isfinite(v) else None for v in flat]
    except Exception:  # noqa: BLE001 - an unreadable value is reported as unreadable
        pass
    return report


def _call(function, *args, **kwargs) -> dict:
    try:
        with functions_run_eagerly(), quiet():
            return {"error": None, "result": describe_tensor(function(*args, **kwargs))}
    except Exception as failure:  # noqa: BLE001 - the student's error is the observation
        return {"error": describe_error(failure), "result": None}


def _variables(parameters: dict) -> dict:
    return {
        name: _Variable(_array(value, dtype=np.float32), dtype=_float32)
        for name, value in parameters.items()
    }


def one_hot_run(namespace: dict, cases: list) -> dict:
    """one_hot_matrix on each case: {"label": int, "depth": int or None, "rank": 0 or 1}."""
    function = student_function(namespace, "one_hot_matrix")
    runs = []
    for case in cases:
        label = _constant(case["label"] if case["rank"] == 0 else [case["label"]], dtype=tf.int64)
        if case["depth"] is None:
            runs.append(_call(function, label))
        else:
            runs.append(_call(function, label, case["depth"]))
    return {"runs": runs}


def initialize_run(namespace: dict) -> dict:
    """initialize_parameters() twice: what it returns, and whether the variables are new."""
    function = student_function(namespace, "initialize_parameters")
    reports = []
    first = None
    for _ in range(2):
        try:
            with quiet():
                returned = function()
        except Exception as failure:  # noqa: BLE001
            return {"error": describe_error(failure), "kind": None, "parameters": {}}
        if first is None:
            first = returned
    if not isinstance(first, dict):
        return {"error": None, "kind": type(first).__name__[:80], "parameters": {}}
    for name in PARAMETER_NAMES:
        reports.append((name, describe_tensor(first[name]) if name in first else None))
    return {
        "error": None,
        "kind": "dict",
        "keys": sorted(str(key)[:40] for key in first)[:20],
        "parameters": dict(reports),
        "fresh": all(first.get(name) is not returned.get(name) for name in PARAMETER_NAMES)
        if isinstance(returned, dict)
        else False,
    }


def forward_run(namespace: dict, cases: list) -> dict:
    """forward_propagation(X, parameters) on each case: {"x": 64 × m, "parameters": {...}}."""
    function = student_function(namespace, "forward_propagation")
    runs = []
    for case in cases:
        x = _constant(_array(case["x"], dtype=np.float32))
        runs.append(_call(function, x, _variables(case["parameters"])))
    return {"runs": runs}


def loss_run(namespace: dict, cases: list) -> dict:
    """compute_total_loss(logits, labels) on each case, and its gradient w.r.t. the logits."""
    function = student_function(namespace, "compute_total_loss")
    runs = []
    for case in cases:
        logits = _constant(_array(case["logits"], dtype=np.float32))
        labels = _constant(_array(case["labels"], dtype=np.float32))
        run = {"error": None, "result": None, "gradient": None}
        try:
            with _GradientTape() as tape, functions_run_eagerly(), quiet():
                tape.watch(logits)
                loss = function(logits, labels)
            run["result"] = describe_tensor(loss)
            if isinstance(loss, tf.Tensor) and loss.dtype.is_floating:
                gradient = tape.gradient(loss, logits)
                if gradient is not None:
                    run["gradient"] = describe_tensor(gradient)
        except Exception as failure:  # noqa: BLE001
            run["error"] = describe_error(failure)
        runs.append(run)
    return {"runs": runs}


# -- model ---------------------------------------------------------------------------------


def reference_helpers(initial: dict) -> dict:
    """Correct stand-ins for the other four functions, so model is judged on its own."""

    def one_hot_matrix(label, C=6):  # noqa: N803 - the lab's signature
        return tf.reshape(tf.one_hot(label, C, axis=0), shape=[C])

    def initialize_parameters():
        return _variables(initial)

    def forward_propagation(X, parameters):  # noqa: N803
        a1 = _relu(_matmul(parameters["W1"], X) + parameters["b1"])
        a2 = _relu(_matmul(parameters["W2"], a1) + parameters["b2"])
        return _matmul(parameters["W3"], a2) + parameters["b3"]

    def compute_total_loss(logits, labels):
        return tf.reduce_sum(
            tf.nn.softmax_cross_entropy_with_logits(
                labels=tf.transpose(labels), logits=tf.transpose(logits)
            )
        )

    return {
        "one_hot_matrix": one_hot_matrix,
        "initialize_parameters": initialize_parameters,
        "forward_propagation": forward_propagation,
        "compute_total_loss": compute_total_loss,
    }


class Recorder:
    """What model did: tape.gradient results, and what reached each optimizer."""

    def __init__(self):
        self.tape_calls = 0
        self.tape_ids: set[int] = set()
        self.tape_tensors: list = []  # held so ids stay unique
        self.updates = 0
        self.updates_from_tape = 0
        self.optimizers: list[str] = []
        self.learning_rates: list = []

    def on_tape_gradient(self, result) -> None:
        self.tape_calls += 1
        flat = tf.nest.flatten(result)
        self.tape_tensors.extend(flat)
        self.tape_ids.update(id(t) for t in flat if t is not None)

    def on_apply(self, optimizer, pairs: list) -> None:
        self.updates += 1
        gradients = [pair[0] for pair in pairs if isinstance(pair, tuple) and len(pair) == 2]
        if gradients and all(g is not None and id(g) in self.tape_ids for g in gradients):
            self.updates_from_tape += 1
        if len(self.optimizers) < 5:
            names = [cls.__name__ for cls in type(optimizer).__mro__][:8]
            self.optimizers.append(",".join(names))
            rate = getattr(optimizer, "learning_rate", None)
            self.learning_rates.append(describe_tensor(rate)["values"])


def _library_optimizer_classes() -> list[type]:
    found, frontier = [], [*OPTIMIZER_BASES, *OPTIMIZER_BASES[0].__mro__]
    while frontier:
        cls = frontier.pop()
        if cls in found or not cls.__module__.startswith(("tf_keras.", "autograder.")):
            continue
        found.append(cls)
        frontier += cls.__subclasses__()
    return [cls for cls in found if "apply_gradients" in vars(cls)]


@contextlib.contextmanager
def recording(recorder: Recorder):
    """Every GradientTape and every library optimizer report to the recorder.

    The tape's own class is patched, not replaced: Keras's optimizer.minimize makes its
    tape from TensorFlow's module, not from the name the notebook sees.
    """
    original_gradient = vars(_GradientTape)["gradient"]

    def gradient(self, target, sources, *args, **kwargs):
        result = original_gradient(self, target, sources, *args, **kwargs)
        recorder.on_tape_gradient(result)
        return result

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

    _GradientTape.gradient = gradient
    for cls, original in originals.items():
        cls.apply_gradients = recorded(original)
    try:
        yield
    finally:
        _GradientTape.gradient = original_gradient
        for cls, original in originals.items():
            cls.apply_gradients = original


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


def _dataset(pixels: list, labels: list) -> tuple:
    images = _array(pixels, dtype=np.float32) / np.float32(16)
    one_hot = np.eye(6, dtype=np.float32)[_array(labels, dtype=np.int64)]
    return tf.data.Dataset.from_tensor_slices(images), tf.data.Dataset.from_tensor_slices(one_hot)


def model_run(
    namespace: dict,
    train: dict,
    test: dict,
    initial: dict,
    learning_rate: float,
    num_epochs: int,
    minibatch_size: int,
) -> dict:
    """model(...) on the given images, with correct helpers; what it returned and did."""
    model = student_function(namespace, "model")
    x_train, y_train = _dataset(train["pixels"], train["labels"])
    x_test, y_test = _dataset(test["pixels"], test["labels"])
    recorder = Recorder()
    returned, error = None, None
    helpers = reference_helpers(initial)
    globals_ = model.__globals__
    with rebound(globals_, helpers), recording(recorder), functions_run_eagerly():
        try:
            with quiet():
                returned = model(
                    x_train,
                    y_train,
                    x_test,
                    y_test,
                    learning_rate=learning_rate,
                    num_epochs=num_epochs,
                    minibatch_size=minibatch_size,
                    print_cost=False,
                )
        except Exception as failure:  # noqa: BLE001
            error = describe_error(failure)
    parameters = None
    if isinstance(returned, tuple) and returned and isinstance(returned[0], dict):
        parameters = {
            name: describe_tensor(returned[0][name])
            for name in PARAMETER_NAMES
            if name in returned[0]
        }
    return {
        "error": error,
        "returned": type(returned).__name__[:80],
        "returned_length": len(returned) if isinstance(returned, tuple) else None,
        "parameters": parameters,
        "tape_calls": recorder.tape_calls,
        "updates": recorder.updates,
        "updates_from_tape": recorder.updates_from_tape,
        "optimizers": recorder.optimizers,
        "learning_rates": recorder.learning_rates,
    }


@contextlib.contextmanager
def functions_run_eagerly():
    """tf.function bodies run as Python, so every tape and optimizer call is seen."""
    previous = _functions_run_eagerly()
    _run_functions_eagerly(True)
    try:
        yield
    finally:
        _run_functions_eagerly(previous)


def quiet():
    return contextlib.redirect_stdout(_Discard())


class _Discard:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


PROBES = {
    "one_hot_run": one_hot_run,
    "initialize_run": initialize_run,
    "forward_run": forward_run,
    "loss_run": loss_run,
    "model_run": model_run,
}


def before_student_code(gpu: bool) -> None:
    """The notebook reads the digits from data/ beside it: a copy goes into its folder.

    This runs before the process is confined, while the lab's own folder is still readable.
    """
    target = NOTEBOOK_PATH
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(DIGITS, target)
