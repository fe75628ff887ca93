"""Part 5: model(...) trains the network with Adam on minibatches, gradients from a tape.

The probe gives model correct versions of the other four functions, so that this part
judges the training loop alone. The grader computes the loss and the accuracy itself,
in numpy, from the parameters model returns.
"""

import numpy as np

from autograder.checks import part, points, require
from autograder.labs.tf_network.reference import SHAPES, forward, glorot_parameters, total_loss
from autograder.tflab import judging
from autograder.tflab.observer import Run

pytestmark = part("model")

TEST_ACCURACY = 0.85  # a correct loop reaches about 0.95 on these draws
LOSS_RATIO = 0.5  # the training loss at least halves


def _trained(run: Run) -> dict:
    run.require_no_error()
    returned = run.returned.items if run.returned and run.returned.kind == "tuple" else ()
    require(
        len(returned) == 4 and returned[0].kind == "dict",
        f"{run.call_text} returned {run.returned.describe() if run.returned else 'nothing'};"
        " it should return the tuple (parameters, costs, train_acc, test_acc), parameters being"
        " the dict of variables.",
    )
    return judging.require_parameters(
        returned[0], f"The parameters {run.call_text} returned", SHAPES
    )


@points(0.6)
def check_returns_parameters_costs_and_accuracies(lab, hidden):
    """model: returns (parameters, costs, train_acc, test_acc), parameters of the lab's shapes"""
    _trained(lab.model(hidden.model))


@points(1.4)
def check_lowers_the_cost_and_reaches_test_accuracy(lab, hidden):
    """model: training lowers the loss and reaches 85% test accuracy on other digits"""
    run = lab.model(hidden.model)
    trained = _trained(run)
    x, y = (a.T for a in hidden.model.data(hidden.model.train_indices))
    before = total_loss(forward(x, glorot_parameters()), y)
    after = total_loss(forward(x, trained), y)
    m = x.shape[1]
    require(
        np.isfinite(after) and after <= LOSS_RATIO * before,
        f"After {run.call_text}, the mean training loss went from {before / m:.4f} to"
        f" {after / m:.4f}; training should at least halve it."
        + (" The optimizer never updated the parameters." if run.training.updates == 0 else ""),
    )
    x_test, y_test = hidden.model.data(hidden.model.test_indices)
    reached = float(np.mean(forward(x_test.T, trained).argmax(axis=0) == y_test.argmax(axis=1)))
    require(
        reached >= TEST_ACCURACY,
        f"After {run.call_text}, the test accuracy was {reached:.1%}; a correct training loop"
        f" reaches at least {TEST_ACCURACY:.0%}. (The classes are named differently from the"
        " notebook's digits here: train on the X_train and Y_train that model receives.)",
    )


@points(0.5)
def check_gradients_come_from_a_tape(lab, hidden):
    """model: every update applies the gradients tf.GradientTape computed"""
    run = lab.model(hidden.model)
    run.require_no_error()
    judging.require_tape_gradients(run.training, run.call_text)


@points(0.5)
def check_every_parameter_is_trained(lab, hidden):
    """model: the optimizer updates all six parameters with the tape's gradients"""
    run = lab.model(hidden.model)
    run.require_no_error()
    advice = "Every parameter is learned: trainable_variables holds all six, W1, b1, …, b3."
    judging.require_all_trained(run.training, run.call_text, SHAPES, advice)


@points(0.5)
def check_one_update_per_minibatch(lab, hidden):
    """model: one optimizer update per minibatch of minibatch_size examples, every epoch"""
    run = lab.model(hidden.model)
    run.require_no_error()
    case = hidden.model
    expected = case.num_epochs * case.minibatches_per_epoch
    why = ""
    by_32 = case.num_epochs * -(-len(case.train_indices) // 32)
    if run.training.updates == by_32 and expected != by_32:
        why = " That is the count for minibatches of 32: batch the data with minibatch_size."
    require(
        run.training.updates == expected,
        f"{run.call_text} made {run.training.updates} optimizer updates; {case.num_epochs}"
        f" epochs of {case.minibatches_per_epoch} minibatches make {expected}.{why}",
    )


@points(0.5)
def check_adam_with_the_given_learning_rate(lab, hidden):
    """model: the optimizer is Adam with the learning_rate passed in"""
    run = lab.model(hidden.model)
    run.require_no_error()
    judging.require_optimizer(run.training, run.call_text, "Adam", hidden.model.learning_rate)
