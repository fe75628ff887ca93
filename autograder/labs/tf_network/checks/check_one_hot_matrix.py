"""Part 1: one_hot_matrix(label, C=6) is a float32 vector of shape (C,), one at `label`."""

from autograder.checks import part, points
from autograder.labs.tf_network.hidden_inputs import NOTEBOOK_ONE_HOT
from autograder.labs.tf_network.reference import CLASSES, one_hot
from autograder.tflab.judging import require_tensor, require_values

pytestmark = part("one_hot_matrix")


def _values_match(lab, cases) -> None:
    for case, run in zip(cases, lab.run_cases(cases), strict=True):
        depth = case.effective_depth
        require_values(
            run,
            case.call_text(),
            one_hot(case.label, depth),
            f"the one-hot vector of depth C = {depth} with a 1 at position {case.label}",
            relative=0,
            size_hint=" Use the depth C passed in, not 6." if depth != CLASSES else "",
        )


@points(0.15)
def check_notebook_examples(lab):
    """one_hot_matrix: the notebook's examples"""
    _values_match(lab, NOTEBOOK_ONE_HOT)


@points(0.55)
def check_values_for_other_labels_and_depths(lab, hidden):
    """one_hot_matrix: a 1 at the label for other labels and depths C"""
    _values_match(lab, hidden.one_hot)


@points(0.3)
def check_shape_and_dtype(lab, hidden):
    """one_hot_matrix: a float32 tensor of shape (C,), for labels of shape () and (1,)"""
    for case, run in zip(hidden.one_hot, lab.run_cases(hidden.one_hot), strict=True):
        require_tensor(
            run,
            case.call_text(),
            (case.effective_depth,),
            " tf.one_hot makes float32 by default; reshape its result with"
            " tf.reshape(..., shape=[C]).",
        )
