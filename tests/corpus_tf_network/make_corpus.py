"""Generate the labelled corpus of student submissions for the tf_network lab.

Run from the repository root:

    .venv/bin/python tests/corpus_tf_network/make_corpus.py

It writes ``notebooks/<case>.ipynb`` beside this file (one notebook per case) and
``labels.json`` (what a fair instructor gives each case, per graded part).

Every notebook is the student notebook of ``assignments/tf_network`` with its answer cells
filled in. The answers start from the solution notebook's (``solutions/tf_network``); a case
says only what its student did differently: which cells (by cell id) get a new source
(``replace``; ``None`` leaves the stub as handed out) and which cells were added after a
cell (``after``).

The hidden checks, per part (points in ``POINTS``):

* one_hot_matrix (1): the notebook's examples, labels 1 and 4 (0.15); a 1 at the label for
  hidden labels and depths C (0.55); a float32 tensor of shape (C,), for labels of shape ()
  and (1,) (0.3).
* initialize_parameters (1): a dict of float32 tf.Variables of the lab's shapes (0.4); the
  values of GlorotNormal(seed=1) (0.6).
* forward_propagation (2): the notebook's example (0.3); hidden X and parameters (0.9); a
  float32 tensor of shape (6, m), m = 1 included (0.4); gradients reach all six parameters
  from Z3: a tape over forward_propagation with the parameters as tf.Variables, where any
  parameter whose gradient is None fails it (0.4).
* compute_total_loss (2): the notebook's example (0.3); hidden logits and labels (0.8); a
  float32 scalar that differs between inputs (0.4); its gradient with respect to the logits
  is softmax − labels (0.5).
* model (4), run with correct versions of the other four functions on 256 hidden training
  and 300 test images whose classes are renamed: returns (parameters, costs, train_acc,
  test_acc), parameters of the lab's shapes (0.6); halves the training loss and reaches 85%
  test accuracy (1.4); every update applies tape.gradient's gradients (0.5); all six
  parameters are updated by the optimizer with the tape's gradients and change during
  training (0.5); one update per minibatch of the minibatch_size passed in (0.5); Adam with
  the learning_rate passed in (0.5). The hidden run: 10 epochs, minibatch 40 or 48,
  learning rate 0.01.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from autograder.labs.tf_network.hidden_inputs import (  # noqa: E402
    notebook_forward,
    notebook_loss,
)
from autograder.labs.tf_network.reference import forward, total_loss  # noqa: E402

NOTEBOOK_DIR = HERE / "notebooks"
LABELS_PATH = HERE / "labels.json"
STUDENT = ROOT / "assignments" / "tf_network" / "tf_network.ipynb"
SOLUTION = ROOT / "solutions" / "tf_network" / "tf_network.ipynb"
ANSWERS = ("one-hot", "init", "forward", "loss", "model")
POINTS = {
    "one_hot_matrix": 1,
    "initialize_parameters": 1,
    "forward_propagation": 2,
    "compute_total_loss": 2,
    "model": 4,
}
FULL = dict(POINTS)


def expected(**lost: float) -> dict[str, float]:
    """Full marks less what each part lost."""
    return {part: round(points - lost.get(part, 0.0), 4) for part, points in POINTS.items()}


def solution_answers() -> dict[str, str]:
    """The answer cells of the solution notebook, without otter's solution markers."""
    answers = {}
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        if cell.cell_type == "code" and cell.get("id") in ANSWERS:
            lines = [
                re.sub(r"\s*# SOLUTION$", "", line)
                for line in cell.source.splitlines()
                if not re.match(r"\s*# (BEGIN|END) SOLUTION", line)
            ]
            answers[cell.id] = "\n".join(lines)
    return answers


REFERENCE = solution_answers()


def swap(cell: str, old: str, new: str) -> str:
    """The reference answer of `cell` with `old` replaced by `new` (which must be there)."""
    source = REFERENCE[cell]
    assert old in source, (cell, old)
    return source.replace(old, new)


# ---------------------------------------------------------------------------------------------
# The notebook's own example values, for the hard-coding case
# ---------------------------------------------------------------------------------------------

_Z3 = forward(notebook_forward().x, notebook_forward().parameters).astype(np.float32)
_LOSS = float(np.float32(total_loss(notebook_loss().logits, notebook_loss().labels)))

CASES: dict[str, dict] = {}


def case(name: str, description: str, score: dict, replace=None, after=None, answers=True):
    CASES[name] = {
        "description": description,
        "expected": score,
        "replace": replace or {},
        "after": after or {},
        "answers": answers,
    }


# -- valid alternatives ----------------------------------------------------------------------

case("valid_reference", "The solution's answers: every check passes.", expected())
case(
    "valid_nn_relu_and_matmul_operator",
    "forward_propagation with `@`, `+` and tf.nn.relu instead of tf.linalg.matmul, tf.math.add"
    " and tf.keras.activations.relu: the same values, full marks.",
    expected(),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    A1 = tf.nn.relu(parameters["W1"] @ X + parameters["b1"])
    A2 = tf.nn.relu(parameters["W2"] @ A1 + parameters["b2"])
    return parameters["W3"] @ A2 + parameters["b3"]
"""
    },
)
case(
    "valid_tf_matmul_add_maximum",
    "forward_propagation with tf.matmul, tf.add and tf.maximum(Z, 0) as the ReLU: full marks.",
    expected(),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    Z1 = tf.add(tf.matmul(parameters["W1"], X), parameters["b1"])
    A1 = tf.maximum(Z1, 0.0)
    Z2 = tf.add(tf.matmul(parameters["W2"], A1), parameters["b2"])
    A2 = tf.maximum(Z2, 0.0)
    Z3 = tf.add(tf.matmul(parameters["W3"], A2), parameters["b3"])
    return Z3
"""
    },
)
case(
    "valid_softmax_cross_entropy_with_logits",
    "compute_total_loss with tf.nn.softmax_cross_entropy_with_logits on the transposed tensors"
    " and tf.reduce_sum: full marks.",
    expected(),
    replace={
        "loss": """
def compute_total_loss(logits, labels):
    per_example = tf.nn.softmax_cross_entropy_with_logits(
        labels=tf.transpose(labels), logits=tf.transpose(logits)
    )
    return tf.reduce_sum(per_example)
"""
    },
)
case(
    "valid_log_softmax_by_hand",
    "compute_total_loss written as -sum(labels * log_softmax(logits, axis=0)): the same sum,"
    " from logits, differentiable: full marks.",
    expected(),
    replace={
        "loss": """
def compute_total_loss(logits, labels):
    total_loss = -tf.reduce_sum(labels * tf.nn.log_softmax(logits, axis=0))
    return total_loss
"""
    },
)
case(
    "valid_loss_object_with_sum_reduction",
    "compute_total_loss with a tf.keras.losses.CategoricalCrossentropy(from_logits=True,"
    " reduction='sum') object: full marks.",
    expected(),
    replace={
        "loss": """
def compute_total_loss(logits, labels):
    loss_object = tf.keras.losses.CategoricalCrossentropy(from_logits=True, reduction="sum")
    return loss_object(tf.transpose(labels), tf.transpose(logits))
"""
    },
)
case(
    "valid_one_hot_from_identity",
    "one_hot_matrix as a row of tf.eye(C) gathered at the label, reshaped to [C]: full marks.",
    expected(),
    replace={
        "one-hot": """
def one_hot_matrix(label, C=6):
    one_hot = tf.reshape(tf.gather(tf.eye(C), label), shape=[C])
    return one_hot
"""
    },
)
case(
    "valid_initialize_in_a_loop",
    "initialize_parameters builds the six variables in a loop over a dict of shapes, in the"
    " lab's order, with one seeded initializer: the same values, full marks.",
    expected(),
    replace={
        "init": """
def initialize_parameters():
    initializer = tf.keras.initializers.GlorotNormal(seed=1)
    shapes = {"W1": (25, 64), "b1": (25, 1), "W2": (12, 25), "b2": (12, 1),
              "W3": (6, 12), "b3": (6, 1)}
    return {name: tf.Variable(initializer(shape=shape)) for name, shape in shapes.items()}
"""
    },
)
case(
    "valid_model_with_minimize",
    "model's step is optimizer.minimize(loss_fn, var_list): Keras's own GradientTape computes"
    " the gradients and Adam applies them, once per minibatch: full marks.",
    expected(),
    replace={
        "model": swap(
            "model",
            """            with tf.GradientTape() as tape:
                Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
            trainable_variables = [W1, b1, W2, b2, W3, b3]
            grads = tape.gradient(minibatch_total_loss, trainable_variables)
            optimizer.apply_gradients(zip(grads, trainable_variables))""",
            """            def loss_fn():
                return compute_total_loss(
                    forward_propagation(tf.transpose(minibatch_X), parameters),
                    tf.transpose(minibatch_Y),
                )
            optimizer.minimize(loss_fn, [W1, b1, W2, b2, W3, b3])
            Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
            minibatch_total_loss = loss_fn()""",
        )
    },
)
case(
    "valid_model_tf_function_step",
    "model's step is an inner @tf.function train_step(X, Y) that records the loss on a tape and"
    " applies the gradients over list(parameters.values()): full marks.",
    expected(),
    replace={
        "model": swap(
            "model",
            """            with tf.GradientTape() as tape:
                Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
            trainable_variables = [W1, b1, W2, b2, W3, b3]
            grads = tape.gradient(minibatch_total_loss, trainable_variables)
            optimizer.apply_gradients(zip(grads, trainable_variables))""",
            """            Z3, minibatch_total_loss = train_step(minibatch_X, minibatch_Y)""",
        ).replace(
            """    for epoch in range(num_epochs):""",
            """    @tf.function
    def train_step(X, Y):
        with tf.GradientTape() as tape:
            Z3 = forward_propagation(tf.transpose(X), parameters)
            loss = compute_total_loss(Z3, tf.transpose(Y))
        variables = list(parameters.values())
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))
        return Z3, loss

    for epoch in range(num_epochs):""",
        )
    },
)
case(
    "valid_extra_cells",
    "The reference answers plus exploration cells of the student's own (shapes, a softmax of"
    " the logits, the costs printed): extra cells cost nothing.",
    expected(),
    after={
        "init-apply": ["print({k: v.numpy().std() for k, v in parameters.items()})"],
        "forward-apply": ["print(tf.nn.softmax(Z3, axis=0).numpy().sum(axis=0))"],
        "model-apply": ["print(costs)\nprint(max(test_acc))"],
    },
)

# Gradient flow and updated parameters: other correct ways to keep every parameter on the
# tape and to hand all six to the optimizer.

_STEP = """            with tf.GradientTape() as tape:
                Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
            trainable_variables = [W1, b1, W2, b2, W3, b3]
            grads = tape.gradient(minibatch_total_loss, trainable_variables)
            optimizer.apply_gradients(zip(grads, trainable_variables))"""


def step(new: str) -> str:
    """The reference model with its minibatch step (the cell's `...`) written as `new`."""
    return swap("model", _STEP, new.strip("\n"))


case(
    "valid_forward_layer_loop",
    "forward_propagation as a loop over the three layers, tf.add of parameters[f'W{l}'] @ A"
    " and parameters[f'b{l}'], tf.keras.activations.relu on the two hidden layers: the same"
    " values, every parameter on the tape: full marks.",
    expected(),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    A = X
    for l in (1, 2, 3):
        Z = tf.add(parameters[f"W{l}"] @ A, parameters[f"b{l}"])
        # ReLU on the hidden layers only; the last layer gives the logits
        A = tf.keras.activations.relu(Z) if l < 3 else Z
    return Z
"""
    },
)
case(
    "valid_forward_convert_to_tensor_reads",
    "forward_propagation first turns each parameter into a tensor with"
    " tf.convert_to_tensor(parameters[name]): that reads the variable, and the tape records"
    " the read, so the gradients still reach all six (unlike a tf.constant copy): full marks.",
    expected(),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    # plain tensors for the arithmetic
    W1, b1, W2, b2, W3, b3 = [
        tf.convert_to_tensor(parameters[name]) for name in ("W1", "b1", "W2", "b2", "W3", "b3")
    ]
    Z1 = tf.linalg.matmul(W1, X) + b1
    A1 = tf.nn.relu(Z1)
    Z2 = tf.linalg.matmul(W2, A1) + b2
    A2 = tf.nn.relu(Z2)
    Z3 = tf.linalg.matmul(W3, A2) + b3
    return Z3
"""
    },
)
case(
    "valid_forward_einsum_helper",
    "forward_propagation through a helper linear(W, A, b) = tf.einsum('ij,jm->im', W, A) + b"
    " and tf.keras.activations.relu: the same values within float32 rounding, gradients to"
    " all six parameters: full marks.",
    expected(),
    replace={
        "forward": """
def linear(W, A, b):
    # W·A + b, one column per example
    return tf.einsum("ij,jm->im", W, A) + b


def forward_propagation(X, parameters):
    p = parameters
    hidden_1 = tf.keras.activations.relu(linear(p["W1"], X, p["b1"]))
    hidden_2 = tf.keras.activations.relu(linear(p["W2"], hidden_1, p["b2"]))
    logits = linear(p["W3"], hidden_2, p["b3"])
    return logits
"""
    },
)
case(
    "valid_model_watched_variables",
    "model asks the tape for the variables it saw, tape.watched_variables(), and applies the"
    " gradients to them: the forward pass read all six parameters, so all six are trained,"
    " once per minibatch, with Adam: full marks.",
    expected(),
    replace={
        "model": step(
            """
            with tf.GradientTape() as tape:
                Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
            # every variable the forward pass touched: W1, b1, W2, b2, W3, b3
            watched = tape.watched_variables()
            grads = tape.gradient(minibatch_total_loss, watched)
            optimizer.apply_gradients(zip(grads, watched))
"""
        )
    },
)
case(
    "valid_model_variables_by_layer",
    "model collects the variables with [parameters[f'{kind}{layer}'] for layer in range(1, 4)"
    " for kind in 'Wb']: all six, in the lab's order: full marks.",
    expected(),
    replace={
        "model": step(
            """
            with tf.GradientTape() as tape:
                Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
            variables = [parameters[f"{kind}{layer}"] for layer in range(1, 4) for kind in "Wb"]
            gradients = tape.gradient(minibatch_total_loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
"""
        )
    },
)
case(
    "valid_model_gradients_as_dict",
    "model takes the gradient with respect to the parameters dict itself (tape.gradient returns"
    " a dict of the same keys) and applies (gradients[name], parameters[name]) for every name:"
    " all six trained with the tape's gradients: full marks.",
    expected(),
    replace={
        "model": step(
            """
            with tf.GradientTape() as tape:
                logits = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(logits, tf.transpose(minibatch_Y))
            Z3 = logits
            gradients = tape.gradient(minibatch_total_loss, parameters)  # {"W1": dW1, ...}
            optimizer.apply_gradients(
                [(gradients[name], parameters[name]) for name in parameters]
            )
"""
        )
    },
)

# -- realistic mistakes ----------------------------------------------------------------------

case(
    "mistake_one_hot_transposed",
    "one_hot_matrix with axis=-1 and no reshape: right for a scalar label, but a label of shape"
    " (1,) gives a (1, C) row: only the shape check fails (0.3).",
    expected(one_hot_matrix=0.3),
    replace={
        "one-hot": """
def one_hot_matrix(label, C=6):
    one_hot = tf.one_hot(label, C, axis=-1)
    return one_hot
"""
    },
)
case(
    "mistake_one_hot_fixed_depth",
    "one_hot_matrix ignores C and always makes 6 entries: the notebook's examples pass (0.15),"
    " other depths fail values (0.55) and shape (0.3).",
    expected(one_hot_matrix=0.85),
    replace={
        "one-hot": swap(
            "one-hot",
            "tf.one_hot(label, C, axis=0), shape=[C]",
            "tf.one_hot(label, 6, axis=0), shape=[6]",
        )
    },
)
case(
    "mistake_one_hot_integer_dtype",
    "one_hot_matrix with dtype=tf.int32: the right ones and zeros but not float32; the dtype"
    " check fails (0.3). The rest of the notebook still runs.",
    expected(one_hot_matrix=0.3),
    replace={"one-hot": swap("one-hot", "axis=0)", "axis=0, dtype=tf.int32)")},
)
case(
    "mistake_initializer_unseeded",
    "GlorotNormal() without seed=1: variables of the right shapes (0.4) but other values (0.6"
    " lost); the feedback names the missing seed.",
    expected(initialize_parameters=0.6),
    replace={"init": swap("init", "GlorotNormal(seed=1)", "GlorotNormal()")},
)
case(
    "mistake_zero_biases",
    "The biases are tf.Variable(tf.zeros(...)) instead of drawn: right shapes (0.4), values"
    " not GlorotNormal(seed=1)'s (0.6 lost).",
    expected(initialize_parameters=0.6),
    replace={
        "init": swap(
            "init",
            "b1 = tf.Variable(initializer(shape=(25, 1)))",
            "b1 = tf.Variable(tf.zeros((25, 1)))",
        )
        .replace(
            "b2 = tf.Variable(initializer(shape=(12, 1)))", "b2 = tf.Variable(tf.zeros((12, 1)))"
        )
        .replace(
            "b3 = tf.Variable(initializer(shape=(6, 1)))", "b3 = tf.Variable(tf.zeros((6, 1)))"
        )
    },
)
case(
    "mistake_parameters_not_variables",
    "initialize_parameters returns the initializer's tensors, not tf.Variables: the values are"
    " right (0.6) but nothing can be trained (0.4 lost). The notebook's own training fails"
    " (no gradients), but model is judged with correct helpers: full marks there.",
    expected(initialize_parameters=0.4),
    replace={
        "init": """
def initialize_parameters():
    initializer = tf.keras.initializers.GlorotNormal(seed=1)
    W1 = initializer(shape=(25, 64))
    b1 = initializer(shape=(25, 1))
    W2 = initializer(shape=(12, 25))
    b2 = initializer(shape=(12, 1))
    W3 = initializer(shape=(6, 12))
    b3 = initializer(shape=(6, 1))
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
    return parameters
"""
    },
)
case(
    "mistake_forward_missing_relu",
    "forward_propagation without the ReLUs: logits of the right shape (0.4) through which the"
    " gradients reach all six parameters (0.4), but the wrong values (1.2 lost); the feedback"
    " says the ReLUs are missing. (0.5 before the gradient-flow check: the shape check now"
    " weighs 0.4 and the flow check adds 0.4, so 0.8.)",
    expected(forward_propagation=1.2),
    replace={
        "forward": swap("forward", "A1 = tf.keras.activations.relu(Z1)", "A1 = Z1").replace(
            "A2 = tf.keras.activations.relu(Z2)", "A2 = Z2"
        )
    },
)
case(
    "mistake_forward_softmax_output",
    "forward_propagation applies a softmax to Z3: probabilities, not logits: wrong values (1.2"
    " lost), but the right shape (0.4), and a softmax is differentiable, so the gradients"
    " still reach all six parameters (0.4): 0.8 (0.5 before the gradient-flow check).",
    expected(forward_propagation=1.2),
    replace={"forward": swap("forward", "    return Z3", "    return tf.nn.softmax(Z3, axis=0)")},
)
case(
    "mistake_forward_examples_in_rows",
    "forward_propagation transposes X and multiplies X·W1ᵀ: every call raises (shapes do not"
    " match), forward_propagation earns nothing; model is judged with a correct forward pass.",
    expected(forward_propagation=2),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    A1 = tf.nn.relu(tf.matmul(tf.transpose(X), parameters["W1"]) + parameters["b1"])
    A2 = tf.nn.relu(tf.matmul(A1, parameters["W2"]) + parameters["b2"])
    return tf.matmul(A2, parameters["W3"]) + parameters["b3"]
"""
    },
)
case(
    "mistake_loss_mean",
    "compute_total_loss takes tf.reduce_mean: a float32 scalar (0.4) but the mean, not the sum:"
    " values and gradient fail (1.6 lost).",
    expected(compute_total_loss=1.6),
    replace={"loss": swap("loss", "tf.reduce_sum(", "tf.reduce_mean(")},
)
case(
    "mistake_loss_from_probabilities",
    "compute_total_loss forgets from_logits=True: Keras treats the logits as probabilities:"
    " a float32 scalar (0.4), wrong values and gradient (1.6 lost).",
    expected(compute_total_loss=1.6),
    replace={"loss": swap("loss", ", from_logits=True", "")},
)
case(
    "mistake_loss_not_transposed",
    "compute_total_loss passes the (6, m) tensors to Keras untransposed, so the cross-entropy"
    " runs across the examples: a float32 scalar (0.4), wrong values and gradient (1.6 lost).",
    expected(compute_total_loss=1.6),
    replace={"loss": swap("loss", "tf.transpose(labels), tf.transpose(logits)", "labels, logits")},
)
case(
    "mistake_loss_in_numpy",
    "compute_total_loss computes the right sum with numpy on .numpy() values and wraps it in"
    " tf.constant: right values and a float32 scalar (1.5), but no gradient flows (0.5 lost).",
    expected(compute_total_loss=0.5),
    replace={
        "loss": """
def compute_total_loss(logits, labels):
    z = logits.numpy()
    z = z - z.max(axis=0, keepdims=True)
    log_probabilities = z - np.log(np.exp(z).sum(axis=0, keepdims=True))
    return tf.constant(-(labels.numpy() * log_probabilities).sum(), dtype=tf.float32)
"""
    },
)
case(
    "mistake_model_fixed_minibatch_size",
    "model batches with 32 whatever minibatch_size says: it trains (the accuracy passes) but the"
    " number of updates is wrong for other minibatch sizes (0.5 lost).",
    expected(model=0.5),
    replace={
        "model": swap(
            "model",
            "minibatches = dataset.batch(minibatch_size)",
            "minibatches = dataset.batch(32)",
        )
    },
)
case(
    "mistake_model_fixed_learning_rate",
    "model builds Adam(0.0001) whatever learning_rate says: the learning-rate check fails (0.5)"
    " and at 0.0001 the hidden run does not reach the test accuracy (1.4); the loop itself"
    " is right: it returns the tuple (0.6), applies the tape's gradients (0.5) to all six"
    " parameters, which change, if slowly (0.5), once per minibatch (0.5): 2.1.",
    expected(model=1.9),
    replace={
        "model": swap(
            "model", "tf.keras.optimizers.Adam(learning_rate)", "tf.keras.optimizers.Adam(0.0001)"
        )
    },
)
case(
    "mistake_model_never_applies",
    "model computes the gradients but never calls optimizer.apply_gradients: nothing is"
    " trained, no parameter changes; only the returned tuple's check passes (0.6).",
    expected(model=3.4),
    replace={
        "model": swap(
            "model", "            optimizer.apply_gradients(zip(grads, trainable_variables))\n", ""
        )
    },
)
case(
    "mistake_model_update_after_epoch",
    "model applies the gradients once per epoch, after the minibatch loop (those of the last"
    " minibatch): it returns the tuple (0.6), the updates apply the tape's gradients (0.5) to"
    " all six parameters, which change (0.5), with Adam (0.5): 2.1; but it makes 10 updates"
    " in all (one per epoch): the update count and the accuracy fail (1.9 lost).",
    expected(model=1.9),
    replace={
        "model": swap(
            "model",
            "            optimizer.apply_gradients(zip(grads, trainable_variables))\n",
            "",
        ).replace(
            "        epoch_total_loss /= m\n",
            "        optimizer.apply_gradients(zip(grads, trainable_variables))\n"
            "        epoch_total_loss /= m\n",
        )
    },
)
case(
    "mistake_model_returns_parameters_only",
    "model returns parameters alone, not the tuple: the two checks that read its result fail"
    " (2.0 lost); the training loop itself is right: the tape's gradients (0.5) update all six"
    " parameters, which change (0.5), once per minibatch (0.5), with Adam (0.5): 2.0.",
    expected(model=2.0),
    replace={
        "model": swap(
            "model", "    return parameters, costs, train_acc, test_acc", "    return parameters"
        )
    },
)

# Gradient flow: the right numbers, computed where the tape cannot follow them. The values
# and the float32 (6, m) tensor pass; the check that the gradients of Z3 reach all six
# parameters fails (0.4). model is judged with a correct forward pass.

case(
    "mistake_forward_all_in_numpy",
    "forward_propagation copies X and the six parameters out with .numpy(), does the three"
    " layers in numpy (float32 throughout) and returns tf.constant(z3): the right float32"
    " (6, m) values (1.6), but Z3 is a constant: no gradient reaches any parameter (0.4 lost)."
    " The notebook's own training then stops (no gradients), but model is judged with a"
    " correct forward pass: full marks there.",
    expected(forward_propagation=0.4),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    # numpy is easier to debug: work on plain arrays, hand TensorFlow a tensor at the end
    x = X.numpy()
    p = {name: value.numpy() for name, value in parameters.items()}
    a1 = np.maximum(0, p["W1"] @ x + p["b1"])
    a2 = np.maximum(0, p["W2"] @ a1 + p["b2"])
    z3 = p["W3"] @ a2 + p["b3"]
    return tf.constant(z3)
"""
    },
)
case(
    "mistake_forward_first_layer_in_numpy",
    "forward_propagation computes the first layer with np.dot on .numpy() values (checked"
    " against a hand calculation) and goes back to TensorFlow with tf.convert_to_tensor for"
    " layers 2 and 3: right float32 (6, m) values (1.6), and W2, b2, W3, b3 get gradients, but"
    " W1 and b1 get none (0.4 lost): one untrainable layer is enough to fail the check.",
    expected(forward_propagation=0.4),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]
    # layer 1, as in the numpy lab (I checked it by hand)
    Z1 = np.dot(W1.numpy(), X.numpy()) + b1.numpy()
    A1 = tf.convert_to_tensor(np.maximum(Z1, 0))
    # layers 2 and 3
    Z2 = tf.linalg.matmul(W2, A1) + b2
    A2 = tf.keras.activations.relu(Z2)
    Z3 = tf.linalg.matmul(W3, A2) + b3
    return Z3
"""
    },
)
case(
    "mistake_forward_stop_gradient",
    "forward_propagation wraps the first hidden activation in tf.stop_gradient ('activations"
    " are not parameters'): the values are unchanged (1.6), but the gradients of W1 and b1"
    " are cut (0.4 lost).",
    expected(forward_propagation=0.4),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ["W1", "b1", "W2", "b2", "W3", "b3"])
    Z1 = tf.matmul(W1, X) + b1
    # A1 is an activation, not a parameter: keep it out of the gradient
    A1 = tf.stop_gradient(tf.nn.relu(Z1))
    Z2 = tf.matmul(W2, A1) + b2
    A2 = tf.nn.relu(Z2)
    Z3 = tf.matmul(W3, A2) + b3
    return Z3
"""
    },
)
case(
    "mistake_forward_bias_as_numpy",
    "forward_propagation adds the last bias as b3.numpy() (an array broadcasts the same way):"
    " the right float32 (6, m) values (1.6), gradients reach five parameters but not b3 (0.4"
    " lost).",
    expected(forward_propagation=0.4),
    replace={
        "forward": swap(
            "forward",
            "Z3 = tf.math.add(tf.linalg.matmul(W3, A2), b3)",
            "Z3 = tf.math.add(tf.linalg.matmul(W3, A2), b3.numpy())  # (6, 1) broadcasts",
        )
    },
)
case(
    "mistake_forward_numpy_relu",
    "forward_propagation uses np.maximum(Z, 0) as the ReLU in an otherwise TensorFlow pass:"
    " numpy returns arrays, so A1 and A2 are constants to the tape: the right float32 (6, m)"
    " values (1.6), but W1, b1, W2 and b2 get no gradient (0.4 lost).",
    expected(forward_propagation=0.4),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.maximum(Z1, 0)  # ReLU
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = np.maximum(Z2, 0)  # ReLU
    Z3 = parameters["W3"] @ A2 + parameters["b3"]
    return Z3
"""
    },
)
case(
    "mistake_forward_constant_copies",
    "forward_propagation starts with W1 = tf.constant(parameters['W1']) and so on: tf.constant"
    " copies each variable's value into a new constant, so the layers give the right float32"
    " (6, m) values (1.6) but the tape never sees a parameter (0.4 lost).",
    expected(forward_propagation=0.4),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    # tensors rather than variables for the arithmetic
    W1 = tf.constant(parameters["W1"])
    b1 = tf.constant(parameters["b1"])
    W2 = tf.constant(parameters["W2"])
    b2 = tf.constant(parameters["b2"])
    W3 = tf.constant(parameters["W3"])
    b3 = tf.constant(parameters["b3"])

    Z1 = tf.math.add(tf.linalg.matmul(W1, X), b1)
    A1 = tf.keras.activations.relu(Z1)
    Z2 = tf.math.add(tf.linalg.matmul(W2, A1), b2)
    A2 = tf.keras.activations.relu(Z2)
    Z3 = tf.math.add(tf.linalg.matmul(W3, A2), b3)
    return Z3
"""
    },
)
case(
    "mistake_forward_float64_numpy",
    "forward_propagation converts X and each parameter with np.array(..., dtype=float), loops"
    " over the layers in numpy and returns tf.convert_to_tensor of the result: the values are"
    " right (1.2), but the tensor is float64, not float32 (0.4 lost), and no gradient reaches"
    " the parameters (0.4 lost): 1.2.",
    expected(forward_propagation=0.8),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    A = np.array(X, dtype=float)
    for l in range(1, 4):
        W = np.array(parameters["W" + str(l)], dtype=float)
        b = np.array(parameters["b" + str(l)], dtype=float)
        Z = W.dot(A) + b
        if l < 3:
            A = np.where(Z > 0, Z, 0.0)
    return tf.convert_to_tensor(Z)
"""
    },
)

# Updated parameters: model hands the optimizer only some of the six variables. Every
# update still applies the tape's gradients, once per minibatch, with Adam; the new check
# (all six updated and changed) fails (0.5), and the accuracy check (1.4) fails where
# training the rest does not reach 85% (measured on draws of the hidden inputs: see
# README.md).

case(
    "mistake_model_forgets_b3",
    "model's list of trainable variables is [W1, b1, W2, b2, W3]: b3 is never updated and"
    " keeps its initial value, so the check that all six parameters are trained fails (0.5"
    " lost). The other five are enough to learn: on 16 draws of the hidden inputs (256"
    " training and 300 test images, 10 epochs, minibatch 40 or 48, learning rate 0.01) the"
    " training loss fell to 1-6% of its start and the test accuracy was 93.0-98.7%, far"
    " above 85%: the accuracy check passes, and so do the tape, the update count and Adam.",
    expected(model=0.5),
    replace={
        "model": swap(
            "model",
            "trainable_variables = [W1, b1, W2, b2, W3, b3]",
            "trainable_variables = [W1, b1, W2, b2, W3]",
        )
    },
)
case(
    "mistake_model_last_layer_only",
    "model differentiates and updates only the output layer, [W3, b3]: W1, b1, W2, b2 keep"
    " their initial values (0.5 lost), and a linear classifier on 12 random ReLU features"
    " does not learn the digits: on 16 draws of the hidden inputs the training loss only fell"
    " to 77-84% of its start and the test accuracy was 32-52%, far below 85% (1.4 lost)."
    " Every update still applies the tape's gradients, once per minibatch, with Adam: 2.1.",
    expected(model=1.9),
    replace={
        "model": step(
            """
            with tf.GradientTape() as g:
                Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
            # the output layer makes the prediction: train W3 and b3
            dW3, db3 = g.gradient(minibatch_total_loss, [W3, b3])
            optimizer.apply_gradients([(dW3, W3), (db3, b3)])
"""
        )
    },
)
case(
    "mistake_model_list_overwritten_in_loop",
    "model builds its list of variables in a loop over the layers but assigns instead of"
    " appending (trainable_variables = [W, b] each time round), so only the last layer's W3"
    " and b3 are handed to the optimizer: the other four are never updated (0.5 lost), and"
    " training the last layer alone stays far from 85% (measured with"
    " mistake_model_last_layer_only's set: loss 77-84% of its start, test accuracy 32-52% on"
    " 16 draws; 1.4 lost). Tape, update count and Adam pass: 2.1.",
    expected(model=1.9),
    replace={
        "model": step(
            """
            with tf.GradientTape() as tape:
                Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
            for l in range(1, 4):
                # the W and b of layer l
                trainable_variables = [parameters["W" + str(l)], parameters["b" + str(l)]]
            grads = tape.gradient(minibatch_total_loss, trainable_variables)
            optimizer.apply_gradients(zip(grads, trainable_variables))
"""
        )
    },
)
case(
    "mistake_model_weights_only_comprehension",
    "model trains {name: var for name, var in parameters.items() if name.startswith('W')}, the"
    " weight matrices only: the biases are never updated (0.5 lost). The weights alone still"
    " learn: on 16 draws of the hidden inputs the training loss fell to 1-6% of its start"
    " and the test accuracy was 92.7-98.7%, far above 85%, so the accuracy check passes, as"
    " do the tape (the dict of gradients comes from tape.gradient), the count and Adam.",
    expected(model=0.5),
    replace={
        "model": step(
            """
            with tf.GradientTape() as tape:
                Z3 = forward_propagation(tf.transpose(minibatch_X), parameters)
                minibatch_total_loss = compute_total_loss(Z3, tf.transpose(minibatch_Y))
            # the weights to learn (W1, W2, W3)
            weights = {name: var for name, var in parameters.items() if name.startswith("W")}
            grads = tape.gradient(minibatch_total_loss, weights)
            optimizer.apply_gradients(zip(grads.values(), weights.values()))
"""
        )
    },
)

# -- gaming ----------------------------------------------------------------------------------

_z3 = repr(np.round(_Z3, 6).tolist())
case(
    "game_hardcoded_notebook_values",
    "Every function returns what the notebook shows (the one-hot vectors of 1 and 4, the Z3 of"
    " the first two images, the example's loss) and model returns the initial parameters"
    " untrained; initialize_parameters is right (1). The notebook checks pass: 0.15 + 0.3 +"
    " 0.3 + 0.6 (the returned tuple), 1.35 of the 9 other points, at most 15% of each part.",
    {
        "one_hot_matrix": 0.15,
        "initialize_parameters": 1,
        "forward_propagation": 0.3,
        "compute_total_loss": 0.3,
        "model": 0.6,
    },
    replace={
        "one-hot": """
def one_hot_matrix(label, C=6):
    if int(tf.reshape(label, [-1])[0]) == 1:
        return tf.constant([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    return tf.constant([0.0, 0.0, 0.0, 0.0, 1.0, 0.0])
""",
        "forward": f"""
def forward_propagation(X, parameters):
    return tf.constant({_z3})
""",
        "loss": f"""
def compute_total_loss(logits, labels):
    return tf.constant({_LOSS!r})
""",
        "model": """
def model(X_train, Y_train, X_test, Y_test, learning_rate=0.0001,
          num_epochs=1500, minibatch_size=32, print_cost=True):
    return initialize_parameters(), [0.5, 0.2, 0.1], [0.9, 0.95], [0.9, 0.95]
""",
    },
)
case(
    "game_reads_hidden_checks",
    "The reference answers plus a cell that globs for the grader's hidden checks (check_*.py,"
    " the installed autograder/labs/*/checks) and prints what it can read; in the sandbox the"
    " grader's package is unreadable, and reading would not change the score: full marks.",
    expected(),
    after={
        "setup": [
            """
import glob, os, sys
found = []
for root in sys.path + [os.getcwd(), "/autograder/source", "/tmp"]:
    found += glob.glob(os.path.join(root, "autograder", "labs", "*", "checks", "*.py"))
    found += glob.glob(os.path.join(root, "**", "check_*.py"), recursive=False)
for path in found[:5]:
    try:
        print(path, open(path).read()[:200])
    except OSError as error:
        print(path, error)
print(len(found), "files found")
"""
        ]
    },
)
case(
    "game_patch_numpy",
    "mistake_loss_mean's notebook plus a last cell replacing numpy.allclose/isclose/array_equal"
    " and math.isclose with always-true versions: the grader compares in its own process, so"
    " it scores exactly like mistake_loss_mean.",
    expected(compute_total_loss=1.6),
    replace={"loss": swap("loss", "tf.reduce_sum(", "tf.reduce_mean(")},
    after={
        "model-apply": [
            """
import math
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
math.isclose = lambda *a, **k: True
"""
        ]
    },
)
case(
    "game_patch_during_probe",
    "forward_propagation returns zeros of the right shape, and patches Tensor.numpy and"
    " np.asarray during the call to read as the answer would: the probes read values without"
    " calling anything student code can patch: shape (0.4) only. tf.zeros_like gives a"
    " tensor with no gradient to any parameter, so the flow check fails too: 0.4 (0.5 before"
    " the gradient-flow check).",
    expected(forward_propagation=1.6),
    replace={
        "forward": """
def forward_propagation(X, parameters):
    from tensorflow.python.framework.ops import EagerTensor
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    answer = (W3 @ tf.nn.relu(W2 @ tf.nn.relu(W1 @ X + b1) + b2) + b3)
    real = answer._numpy()
    EagerTensor.numpy = lambda self: real
    np.asarray = lambda *a, **k: real
    np.array = lambda *a, **k: real
    return tf.zeros_like(answer)
"""
    },
)
case(
    "game_model_trains_on_notebook_data",
    "model ignores the datasets it is given and trains on the notebook's own x_train and"
    " new_y_train (more images, seen labels): the hidden run names the classes differently, so"
    " its accuracy fails (1.4), and the update count is the notebook's (0.5); it returns the"
    " tuple (0.6) and trains all six parameters (0.5) with the tape's gradients (0.5) and"
    " Adam (0.5): 2.1.",
    expected(model=1.9),
    replace={
        "model": swap(
            "model",
            "    dataset = tf.data.Dataset.zip((X_train, Y_train))",
            "    dataset = tf.data.Dataset.zip((x_train, new_y_train))",
        )
    },
)
case(
    "game_fake_passed_prints",
    "The untouched notebook plus cells printing fake 'All tests passed!' lines and a score"
    " blob: printed text earns nothing.",
    {part: 0 for part in POINTS},
    answers=False,
    after={
        "setup": ['print("All tests passed!")\nprint(\'{"score": 10, "max_score": 10}\')'],
        "model-apply": ['import sys\nprint("model: PASSED", file=sys.stderr)'],
    },
)
case(
    "untouched",
    "The student notebook as handed out: every answer is a stub; every check fails.",
    {part: 0 for part in POINTS},
    answers=False,
)


def build(spec: dict) -> nbformat.NotebookNode:
    nb = nbformat.read(STUDENT, as_version=4)
    cells = []
    for cell in nb.cells:
        cell_id = cell.get("id")
        if cell.cell_type == "code" and cell_id in ANSWERS:
            source = spec["replace"].get(cell_id, REFERENCE[cell_id] if spec["answers"] else None)
            if source is not None:
                cell.source = source.strip("\n")
        cells.append(cell)
        for number, extra in enumerate(spec["after"].get(cell_id, [])):
            new = nbformat.v4.new_code_cell(extra.strip("\n"))
            new.id = f"{cell_id}-extra-{number}"
            cells.append(new)
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def main() -> None:
    NOTEBOOK_DIR.mkdir(exist_ok=True)
    for old in NOTEBOOK_DIR.glob("*.ipynb"):
        old.unlink()
    labels = {"points": POINTS, "cases": {}}
    for name, spec in sorted(CASES.items()):
        nbformat.write(build(spec), NOTEBOOK_DIR / f"{name}.ipynb")
        total = sum(spec["expected"].values())
        assert set(spec["expected"]) == set(POINTS), name
        assert 0 <= total <= 10, name
        labels["cases"][name] = {"description": spec["description"], "expected": spec["expected"]}
    LABELS_PATH.write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(CASES)} notebooks and {LABELS_PATH.name}")


if __name__ == "__main__":
    main()
