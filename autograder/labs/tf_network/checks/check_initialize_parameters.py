"""Part 2: initialize_parameters() draws the six parameters with GlorotNormal(seed=1)."""

import numpy as np

from autograder.checks import CheckFailed, part, points
from autograder.labs.tf_network.reference import SHAPES, glorot_parameters
from autograder.tflab.judging import require_parameters

pytestmark = part("initialize_parameters")

TOLERANCE = 1e-6


def _parameters(lab, variables: bool = False) -> dict:
    got = lab.initialize().require_returned("initialize_parameters()")
    return require_parameters(got, "What initialize_parameters() returned", SHAPES, variables)


@points(0.4)
def check_variables_of_the_right_shapes(lab):
    """initialize_parameters: a dict of float32 tf.Variables W1 … b3 of the lab's shapes"""
    _parameters(lab, variables=True)


@points(0.6)
def check_values_are_glorot_normal_seed_1(lab):
    """initialize_parameters: the values are those of tf.keras.initializers.GlorotNormal(seed=1)"""
    parameters = _parameters(lab)
    for name, expected in glorot_parameters().items():
        got = parameters[name]
        if np.allclose(got, expected, rtol=0, atol=TOLERANCE):
            continue
        scale = float(np.sqrt(2.0 / sum(expected.shape)))
        spread = float(np.nanstd(got))
        why = ""
        if np.all(got == 0):
            why = " They are all zero: draw them with the initializer, biases included."
        elif abs(spread - scale) < 0.35 * scale:
            why = (
                " Their spread is Glorot's, but not the values: is the initializer seeded,"
                " tf.keras.initializers.GlorotNormal(seed=1)?"
            )
        raise CheckFailed(
            f"parameters[{name!r}] does not hold the values GlorotNormal(seed=1) draws for"
            f" shape {expected.shape} (for example [0, 0] = {expected.flat[0]:.6f}, yours"
            f" {got.flat[0]:.6f}).{why}"
        )
