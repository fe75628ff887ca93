"""tf_network's probes, in the student's process.

one_hot_matrix, initialize_parameters, forward_propagation and compute_total_loss are
called by the toolkit's call_run on the grader's inputs. Every function gets correct inputs
of its own, never another student function's output, so one mistake costs points only in
its own part.
"""

import shutil

import numpy as np
import tensorflow as tf

from autograder.labs.tf_network.dataset import DIGITS, NOTEBOOK_PATH
from autograder.tflab.calls import call_run, observed_call
from autograder.tflab.flow import Updates
from autograder.tflab.readers import GUARDED, student_function  # noqa: F401
from autograder.tflab.state import substituted

_Variable = tf.Variable
_matmul = tf.linalg.matmul
_relu = tf.nn.relu


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


def _dataset(part: dict) -> tuple:
    return tuple(tf.data.Dataset.from_tensor_slices(np.array(part[k], np.float32)) for k in "xy")


def model_run(namespace: dict, train: dict, test: dict, initial: dict, **settings) -> dict:
    """model(...) on the given images, with correct helpers; what it returned and did."""
    model = student_function(namespace, "model")
    data = (*_dataset(train), *_dataset(test))
    created = []
    with substituted(model.__globals__, reference_helpers(initial, created)):
        return observed_call(model, *data, **settings, print_cost=False, watch=created)


PROBES = {"call_run": call_run, "model_run": model_run}


def before_student_code(gpu: bool) -> None:
    """The notebook reads the digits from data/ beside it: a copy goes into its folder,
    before the process is confined, while the lab's own folder is still readable."""
    NOTEBOOK_PATH.parent.mkdir(exist_ok=True)
    shutil.copyfile(DIGITS, NOTEBOOK_PATH)
