"""Part 4: compute_total_loss(logits, labels): the SUM over examples of the cross-entropy."""

import numpy as np

from autograder.checks import part, points, require
from autograder.labs.tf_network.hidden_inputs import notebook_loss
from autograder.labs.tf_network.reference import (
    loss_across_examples,
    loss_gradient,
    loss_on_probabilities,
    total_loss,
)
from autograder.tflab.judging import all_close, require_tensor, require_values

pytestmark = part("compute_total_loss")

PROBABILITIES = " The logits were taken as probabilities: compute the loss from logits"
PROBABILITIES += " (from_logits=True)."


def _values_match(lab, cases) -> None:
    for case, run in zip(cases, lab.loss(cases), strict=True):
        logits, labels, m = case.logits, case.labels, case.logits.shape[1]
        got = run.require_result(case.call_text())
        require(
            got.values.size != 1 or np.isfinite(got.values).all(),
            case.call_text()
            + f" returned {got.values.ravel()[0]}, not a finite number."
            + PROBABILITIES,
        )
        causes = (
            (np.float64(total_loss(logits, labels) / m), "That is the mean over the examples:"
             " the lab asks for their sum (tf.reduce_sum)."),
            (np.float64(loss_on_probabilities(logits, labels)), PROBABILITIES.strip()),
            (np.float64(loss_across_examples(logits, labels)), "The cross-entropy was taken"
             " across the examples: Keras expects (m, 6), so transpose logits and labels first."),
        )  # fmt: skip
        require_values(
            run,
            case.call_text(),
            np.float64(total_loss(logits, labels)),
            "the sum over the examples of the cross-entropy of softmax(logits)",
            causes=causes[int(m == 1) :],  # with one example, the mean is the sum
            size_hint=" The total loss is one number: add up the per-example losses.",
        )


@points(0.3)
def check_notebook_example(lab):
    """compute_total_loss: the notebook's example"""
    _values_match(lab, (notebook_loss(),))


@points(0.8)
def check_sum_of_cross_entropies_from_logits(lab, hidden):
    """compute_total_loss: the sum over the examples of the cross-entropy, from logits"""
    _values_match(lab, hidden.loss)


@points(0.4)
def check_is_a_float32_scalar(lab, hidden):
    """compute_total_loss: a float32 scalar tensor, computed from its inputs"""
    runs = lab.loss(hidden.loss)
    got = [require_tensor(run, c.call_text(), ()) for c, run in zip(hidden.loss, runs, strict=True)]
    require(
        len({float(g.values) for g in got}) == len(got),
        "compute_total_loss returned the same number for different logits and labels:"
        " compute the loss from the tensors it receives.",
    )


@points(0.5)
def check_gradient_is_softmax_minus_labels(lab, hidden):
    """compute_total_loss: differentiable, with d loss / d logits = softmax − labels"""
    for case, run in zip(hidden.loss, lab.loss(hidden.loss), strict=True):
        run.require_result(case.call_text())
        gradient = run.gradients[0].values if run.gradients else None
        require(
            gradient is not None and gradient.values is not None,
            f"GradientTape found no gradient of {case.call_text()} with respect to the"
            " logits: compute it with TensorFlow operations on the tensors it receives (not"
            " numpy, not .numpy()), so that training can differentiate it.",
        )
        require(
            all_close(gradient.values, loss_gradient(case.logits, case.labels), 1e-4),
            f"The gradient of {case.call_text()} with respect to the logits is not softmax −"
            " labels, the gradient of the summed cross-entropy: check the sum and from_logits.",
        )
