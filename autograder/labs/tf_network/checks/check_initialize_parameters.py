"""Part 2: initialize_parameters() draws the six parameters with GlorotNormal(seed=1)."""

import numpy as np

from autograder.checks import CheckFailed, part, points, require
from autograder.labs.tf_network.reference import SHAPES, glorot_parameters

pytestmark = part("initialize_parameters")

TOLERANCE = 1e-6


@points(0.4)
def check_variables_of_the_right_shapes(lab):
    """initialize_parameters: a dict of float32 tf.Variables W1 … b3 of the lab's shapes"""
    run = lab.initialize()
    run.require_dict()
    for name, shape in SHAPES.items():
        got = run.parameters.get(name)
        if got is None:
            raise CheckFailed(
                f"initialize_parameters() returned no {name!r}; its keys were"
                f" {list(run.keys)}. It should hold W1, b1, W2, b2, W3, b3."
            )
        require(
            got.kind == "Variable",
            f"parameters[{name!r}] is {got.describe()}: make it a tf.Variable, so that"
            " GradientTape can train it.",
        )
        require(
            got.shape == shape and got.dtype == "float32",
            f"parameters[{name!r}] is {got.describe()}; it should have shape {shape} and"
            " dtype float32.",
        )


@points(0.6)
def check_values_are_glorot_normal_seed_1(lab):
    """initialize_parameters: the values are those of tf.keras.initializers.GlorotNormal(seed=1)"""
    run = lab.initialize()
    run.require_dict()
    for name, expected in glorot_parameters().items():
        got = run.parameters.get(name)
        if got is None or got.values is None or got.shape != expected.shape:
            raise CheckFailed(f"parameters[{name!r}] is missing or of the wrong shape.")
        if np.allclose(got.values, expected, rtol=0, atol=TOLERANCE):
            continue
        scale = float(np.sqrt(2.0 / sum(expected.shape)))
        spread = float(np.nanstd(got.values))
        why = ""
        if np.all(got.values == 0):
            why = " They are all zero: draw them with the initializer, biases included."
        elif abs(spread - scale) < 0.35 * scale:
            why = (
                " Their spread is Glorot's, but not the values: is the initializer seeded,"
                " tf.keras.initializers.GlorotNormal(seed=1)?"
            )
        raise CheckFailed(
            f"parameters[{name!r}] does not hold the values GlorotNormal(seed=1) draws for"
            f" shape {expected.shape} (for example [0, 0] = {expected.flat[0]:.6f}, yours"
            f" {got.values.flat[0]:.6f}).{why}"
        )
