"""tf_network's probes, in the student's process.

one_hot_matrix, forward_propagation and compute_total_loss are called by the toolkit's
call_run on the grader's inputs. Every function gets correct inputs of its own, never
another student function's output, so one mistake costs points only in its own part.
"""

import shutil

import numpy as np
import tensorflow as tf

from autograder.labs.tf_network.dataset import DIGITS, NOTEBOOK_PATH
from autograder.sandbox.cells import describe_error
from autograder.tflab.calls import call_run
from autograder.tflab.flow import Updates, training_report
from autograder.tflab.readers import GUARDED, describe_tensor, quiet, student_function  # noqa: F401
from autograder.tflab.recording import Recording, observing
from autograder.tflab.state import substituted

PARAMETER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
_Variable = tf.Variable
_matmul = tf.linalg.matmul
_relu = tf.nn.relu


def initialize_run(namespace: dict) -> dict:
    """initialize_parameters() twice: what it returns, and whether the variables are new."""
    function = student_function(namespace, "initialize_parameters")
    try:
        with quiet():
            first, second = function(), function()
    except Exception as failure:  # noqa: BLE001
        return {"error": describe_error(failure), "kind": None, "parameters": {}}
    if not isinstance(first, dict):
        return {"error": None, "kind": type(first).__name__[:80], "parameters": {}}
    return {
        "error": None,
        "kind": "dict",
        "keys": sorted(str(key)[:40] for key in first)[:20],
        "parameters": {n: describe_tensor(first[n]) for n in PARAMETER_NAMES if n in first},
        "fresh": isinstance(second, dict)
        and all(first.get(name) is not second.get(name) for name in PARAMETER_NAMES),
    }


def _variables(arrays: dict) -> dict:
    return {name: _Variable(np.array(v, dtype=np.float32)) for name, v in arrays.items()}


def reference_helpers(initial: dict, created: list) -> dict:
    """Correct stand-ins for the other four functions, so model is judged on its own.
    The parameters they create are watched (`created`): which ones training changes."""

    def one_hot_matrix(label, C=6):  # noqa: N803 - the lab's signature
        return tf.reshape(tf.one_hot(label, C, axis=0), shape=[C])

    def initialize_parameters():
        parameters = _variables(initial)
        created.append(Updates(parameters))
        return parameters

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
        f.__name__: f
        for f in (one_hot_matrix, initialize_parameters, forward_propagation, compute_total_loss)
    }


def _dataset(pixels: list, labels: list) -> tuple:
    images = np.array(pixels, dtype=np.float32) / np.float32(16)
    one_hot = np.eye(6, dtype=np.float32)[np.array(labels, dtype=np.int64)]
    return tf.data.Dataset.from_tensor_slices(images), tf.data.Dataset.from_tensor_slices(one_hot)


def model_run(namespace: dict, train: dict, test: dict, initial: dict, **settings) -> dict:
    """model(...) on the given images, with correct helpers; what it returned and did."""
    model = student_function(namespace, "model")
    data = (*_dataset(train["pixels"], train["labels"]), *_dataset(test["pixels"], test["labels"]))
    returned, error, created = None, None, []
    with substituted(model.__globals__, reference_helpers(initial, created)):
        with observing(Recording()) as recording:
            try:
                returned = model(*data, **settings, print_cost=False)
            except Exception as failure:  # noqa: BLE001
                error = describe_error(failure)
    parameters = None
    if isinstance(returned, tuple) and returned and isinstance(returned[0], dict):
        parameters = {
            n: describe_tensor(returned[0][n]) for n in PARAMETER_NAMES if n in returned[0]
        }
    return {
        "error": error,
        "returned": type(returned).__name__[:80],
        "returned_length": len(returned) if isinstance(returned, tuple) else None,
        "parameters": parameters,
        "training": training_report(recording, created[0] if created else None),
    }


PROBES = {"call_run": call_run, "initialize_run": initialize_run, "model_run": model_run}


def before_student_code(gpu: bool) -> None:
    """The notebook reads the digits from data/ beside it: a copy goes into its folder,
    before the process is confined, while the lab's own folder is still readable."""
    NOTEBOOK_PATH.parent.mkdir(exist_ok=True)
    shutil.copyfile(DIGITS, NOTEBOOK_PATH)
