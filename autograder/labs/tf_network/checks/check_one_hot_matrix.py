"""Part 1: one_hot_matrix(label, C=6) is a float32 vector of shape (C,), one at `label`."""

import numpy as np

from autograder.checks import CheckFailed, part, points, require
from autograder.labs.tf_network.hidden_inputs import NOTEBOOK_ONE_HOT, OneHotCase
from autograder.labs.tf_network.reference import one_hot

pytestmark = part("one_hot_matrix")


def _values_match(case: OneHotCase, got) -> None:
    expected = one_hot(case.label, case.effective_depth)
    values = got.values.ravel()
    if values.size != expected.size:
        raise CheckFailed(
            f"{case.call_text()} returned {got.describe()}: it should hold C ="
            f" {case.effective_depth} values."
            + (" Use the depth C passed in, not 6." if values.size == 6 else "")
        )
    require(
        np.array_equal(values, expected),
        f"{case.call_text()} returned {values.tolist()}; the one-hot vector has a 1 at"
        f" position {case.label} and 0 elsewhere: {expected.astype(int).tolist()}.",
    )


@points(0.15)
def check_notebook_examples(lab):
    """one_hot_matrix: the notebook's examples"""
    for case, run in zip(NOTEBOOK_ONE_HOT, lab.one_hot(NOTEBOOK_ONE_HOT), strict=True):
        _values_match(case, run.require_result(case.call_text()))


@points(0.55)
def check_values_for_other_labels_and_depths(lab, hidden):
    """one_hot_matrix: a 1 at the label for other labels and depths C"""
    cases = hidden.one_hot
    for case, run in zip(cases, lab.one_hot(cases), strict=True):
        _values_match(case, run.require_result(case.call_text()))


@points(0.3)
def check_shape_and_dtype(lab, hidden):
    """one_hot_matrix: a float32 tensor of shape (C,), for labels of shape () and (1,)"""
    cases = hidden.one_hot
    for case, run in zip(cases, lab.one_hot(cases), strict=True):
        got = run.require_result(case.call_text())
        require(
            got.kind == "Tensor" and got.dtype == "float32",
            f"{case.call_text()} returned {got.describe()}; it should be a float32 tensor, as"
            " tf.one_hot makes by default.",
        )
        shape = (case.effective_depth,)
        require(
            got.shape == shape,
            f"{case.call_text()} returned a tensor of shape {got.shape}; it should be {shape}:"
            " reshape tf.one_hot's result with tf.reshape(..., shape=[C]).",
        )
