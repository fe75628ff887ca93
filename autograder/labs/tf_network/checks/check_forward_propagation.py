"""Part 3: forward_propagation(X, parameters): LINEAR → RELU → LINEAR → RELU → LINEAR."""

import numpy as np

from autograder.checks import CheckFailed, part, points, require
from autograder.labs.tf_network.hidden_inputs import ForwardCase, notebook_forward
from autograder.labs.tf_network.reference import forward, identity

pytestmark = part("forward_propagation")

RELATIVE_TOLERANCE = 1e-4


def _call_text(case: ForwardCase) -> str:
    return f"forward_propagation(X of shape {case.x.shape}, parameters)"


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    scale = max(1.0, float(np.abs(expected).max()))
    return got.shape == expected.shape and bool(
        np.all(np.abs(got - expected) <= RELATIVE_TOLERANCE * scale)
    )


def _values_match(case: ForwardCase, run) -> None:
    got = run.require_result(_call_text(case))
    expected = forward(case.x, case.parameters)
    values = got.values
    if values.shape != expected.shape and values.size == expected.size:
        values = values.reshape(expected.shape) if values.ndim != 2 else values.T
    if values.shape != expected.shape:
        raise CheckFailed(
            f"{_call_text(case)} returned {got.describe()}; Z3 should have shape"
            f" {expected.shape}: (6, m)."
        )
    if _close(values, expected):
        return
    why = ""
    if _close(values, forward(case.x, case.parameters, identity)):
        why = " These are the values without the ReLUs: apply tf.nn.relu after Z1 and Z2."
    elif _close(values, forward(case.x, case.parameters, lambda z: 1 / (1 + np.exp(-z)))):
        why = " These are the values with sigmoid activations: the hidden layers use ReLU."
    raise CheckFailed(
        f"{_call_text(case)} returned Z3 with Z3[0, 0] = {values[0, 0]:.6g}; LINEAR → RELU →"
        f" LINEAR → RELU → LINEAR gives {expected[0, 0]:.6g}.{why}"
    )


@points(0.3)
def check_notebook_example(lab):
    """forward_propagation: the notebook's example (two images, the initial parameters)"""
    case = notebook_forward()
    (run,) = lab.forward((case,))
    _values_match(case, run)


@points(0.9)
def check_values_for_other_inputs(lab, hidden):
    """forward_propagation: Z3 = W3·relu(W2·relu(W1·X + b1) + b2) + b3 for other X and parameters"""
    for case, run in zip(hidden.forward, lab.forward(hidden.forward), strict=True):
        _values_match(case, run)


@points(0.4)
def check_shape_and_dtype(lab, hidden):
    """forward_propagation: a float32 tensor of shape (6, m), also for a single example"""
    for case, run in zip(hidden.forward, lab.forward(hidden.forward), strict=True):
        got = run.require_result(_call_text(case))
        shape = (6, case.x.shape[1])
        require(
            got.kind in ("Tensor", "Variable") and got.dtype == "float32",
            f"{_call_text(case)} returned {got.describe()}; it should be a float32 tensor.",
        )
        require(
            got.shape == shape,
            f"{_call_text(case)} returned a tensor of shape {got.shape}; Z3 should be {shape}:"
            " one column of 6 logits per example.",
        )


@points(0.4)
def check_gradients_reach_every_parameter(lab, hidden):
    """forward_propagation: the gradient of Z3 reaches all six parameters"""
    for case, run in zip(hidden.forward, lab.forward(hidden.forward), strict=True):
        run.require_result(_call_text(case))
        missed = run.not_reached()
        require(
            not missed,
            f"In {_call_text(case)}, no gradient of Z3 reaches {', '.join(missed)}: compute Z3"
            " with TensorFlow operations on the parameters themselves (not numpy, not .numpy(),"
            " not tf.constant of a result, not tf.stop_gradient), so that training can learn"
            " them.",
        )
