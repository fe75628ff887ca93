"""Part 4: compute_total_loss(logits, labels): the SUM over examples of the cross-entropy."""

import numpy as np

from autograder.checks import CheckFailed, part, points, require
from autograder.labs.tf_network.hidden_inputs import LossCase, notebook_loss
from autograder.labs.tf_network.reference import (
    loss_across_examples,
    loss_gradient,
    loss_on_probabilities,
    total_loss,
)

pytestmark = part("compute_total_loss")

RELATIVE_TOLERANCE = 1e-4


def _call_text(case: LossCase) -> str:
    return f"compute_total_loss(logits, labels) with m = {case.logits.shape[1]} examples"


def _close(got: float, expected: float) -> bool:
    return bool(np.isfinite(got)) and abs(got - expected) <= RELATIVE_TOLERANCE * max(
        1.0, abs(expected)
    )


def _value(case: LossCase, run) -> float:
    got = run.require_result(_call_text(case))
    if got.values.size != 1:
        raise CheckFailed(
            f"{_call_text(case)} returned {got.describe()}; the total loss is one number:"
            " add up the per-example losses with tf.reduce_sum."
        )
    return float(got.values.ravel()[0])


def _values_match(case: LossCase, run) -> None:
    got = _value(case, run)
    expected = total_loss(case.logits, case.labels)
    if _close(got, expected):
        return
    m = case.logits.shape[1]
    why = ""
    if m > 1 and _close(got, expected / m):
        why = " That is the mean over the examples: the lab asks for their sum (tf.reduce_sum)."
    elif _close(got, loss_on_probabilities(case.logits, case.labels)) or not np.isfinite(got):
        why = (
            " The logits were taken as probabilities: compute the loss from logits"
            " (from_logits=True)."
        )
    elif _close(got, loss_across_examples(case.logits, case.labels)):
        why = (
            " The cross-entropy was taken across the examples: Keras expects (m, 6), so"
            " transpose logits and labels first."
        )
    raise CheckFailed(
        f"{_call_text(case)} returned {got:.6g}; the sum over the examples of the"
        f" cross-entropy of softmax(logits) is {expected:.6g}.{why}"
    )


@points(0.3)
def check_notebook_example(lab):
    """compute_total_loss: the notebook's example"""
    case = notebook_loss()
    (run,) = lab.loss((case,))
    _values_match(case, run)


@points(0.8)
def check_sum_of_cross_entropies_from_logits(lab, hidden):
    """compute_total_loss: the sum over the examples of the cross-entropy, from logits"""
    for case, run in zip(hidden.loss, lab.loss(hidden.loss), strict=True):
        _values_match(case, run)


@points(0.4)
def check_is_a_float32_scalar(lab, hidden):
    """compute_total_loss: a float32 scalar tensor, computed from its inputs"""
    values = set()
    for case, run in zip(hidden.loss, lab.loss(hidden.loss), strict=True):
        got = run.require_result(_call_text(case))
        require(
            got.kind == "Tensor" and got.dtype == "float32" and got.shape == (),
            f"{_call_text(case)} returned {got.describe()}; it should be a float32 tensor of"
            " shape (), one number.",
        )
        values.add(float(got.values.ravel()[0]))
    require(
        len(values) == len(hidden.loss),
        "compute_total_loss returned the same number for different logits and labels:"
        " compute the loss from the tensors it receives.",
    )


@points(0.5)
def check_gradient_is_softmax_minus_labels(lab, hidden):
    """compute_total_loss: differentiable, with d loss / d logits = softmax − labels"""
    for case, run in zip(hidden.loss, lab.loss(hidden.loss), strict=True):
        _value(case, run)
        gradient = run.gradients[0].values if run.gradients else None
        require(
            gradient is not None and gradient.values is not None,
            f"GradientTape found no gradient of {_call_text(case)} with respect to the"
            " logits: compute it with TensorFlow operations on the tensors it receives (not"
            " numpy, not .numpy()), so that training can differentiate it.",
        )
        expected = loss_gradient(case.logits, case.labels)
        got = gradient.values
        require(
            got.shape == expected.shape and bool(np.allclose(got, expected, atol=1e-4)),
            f"The gradient of {_call_text(case)} with respect to the logits is not softmax −"
            " labels, the gradient of the summed cross-entropy: check the sum and from_logits.",
        )
