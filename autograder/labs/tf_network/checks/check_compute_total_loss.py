"""Part 4: compute_total_loss(logits, labels): the SUM over examples of the cross-entropy."""

import numpy as np

from autograder.checks import part, points, require
from autograder.labs.tf_network.hidden_inputs import notebook_loss
from autograder.labs.tf_network.reference import loss_on_probabilities, total_loss
from autograder.tflab.judging import all_close, require_tensor, require_values
from autograder.tflab.reference import softmax

pytestmark = part("compute_total_loss")

MEAN = "That is the mean over the examples: the lab asks for their sum (tf.reduce_sum)."
PROBABILITIES = "The logits were taken as probabilities: compute it from logits (from_logits=True)."
ACROSS = "The cross-entropy was taken across the examples: Keras expects (m, 6), so transpose"
ACROSS += " logits and labels first."


def _values_match(lab, cases) -> None:
    for case, run in zip(cases, lab.run_cases(cases), strict=True):
        logits, labels, text = case.logits, case.labels, case.call_text()
        got = run.require_result(text).values
        finite = got.size != 1 or np.isfinite(got).all()
        require(finite, f"{text} returned {got.ravel()[0]}, not a finite number. {PROBABILITIES}")
        causes = (
            (np.float64(total_loss(logits, labels) / logits.shape[1]), MEAN),
            (np.float64(loss_on_probabilities(logits, labels)), PROBABILITIES),
            (np.float64(total_loss(logits, labels, axis=1)), ACROSS),
        )
        what = "the sum over the examples of the cross-entropy of softmax(logits)"
        hint = " The total loss is one number: add up the per-example losses."
        expected = np.float64(total_loss(logits, labels))
        # with one example the mean is the sum: that cause can't be told apart
        require_values(
            run, text, expected, what, causes=causes[logits.shape[1] == 1 :], size_hint=hint
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
    runs = zip(hidden.loss, lab.run_cases(hidden.loss), strict=True)
    got = [require_tensor(run, case.call_text(), ()) for case, run in runs]
    require(
        len({float(g.values) for g in got}) == len(got),
        "compute_total_loss returned the same number for different logits and labels:"
        " compute the loss from the tensors it receives.",
    )


@points(0.5)
def check_gradient_is_softmax_minus_labels(lab, hidden):
    """compute_total_loss: differentiable, with d loss / d logits = softmax − labels"""
    for case, run in zip(hidden.loss, lab.run_cases(hidden.loss), strict=True):
        run.require_result(case.call_text())
        gradient = run.gradients[0].values if run.gradients else None
        require(
            gradient is not None and gradient.values is not None,
            f"GradientTape found no gradient of {case.call_text()} with respect to the"
            " logits: compute it with TensorFlow operations on the tensors it receives (not"
            " numpy, not .numpy()), so that training can differentiate it.",
        )
        require(
            all_close(gradient.values, softmax(case.logits) - case.labels, 1e-4),
            f"The gradient of {case.call_text()} with respect to the logits is not softmax −"
            " labels, the gradient of the summed cross-entropy: check the sum and from_logits.",
        )
