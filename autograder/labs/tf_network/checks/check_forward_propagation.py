"""Part 3: forward_propagation(X, parameters): LINEAR → RELU → LINEAR → RELU → LINEAR."""

import numpy as np

from autograder.checks import part, points
from autograder.labs.tf_network.hidden_inputs import notebook_forward
from autograder.labs.tf_network.reference import forward
from autograder.tflab.judging import require_gradient_flow, require_tensor, require_values

pytestmark = part("forward_propagation")


def _values_match(lab, cases) -> None:
    for case, run in zip(cases, lab.run_cases(cases), strict=True):
        x, parameters = case.x, case.parameters
        causes = (
            (
                forward(x, parameters, lambda z: z),
                "These are the values without the ReLUs: apply tf.nn.relu after Z1 and Z2.",
            ),
            (
                forward(x, parameters, lambda z: 1 / (1 + np.exp(-z))),
                "These are the values with sigmoid activations: the hidden layers use ReLU.",
            ),
        )
        what = "Z3 = W3·relu(W2·relu(W1·X + b1) + b2) + b3, of shape (6, m),"
        require_values(run, case.call_text(), forward(x, parameters), what, causes=causes)


@points(0.3)
def check_notebook_example(lab):
    """forward_propagation: the notebook's example (two images, the initial parameters)"""
    _values_match(lab, (notebook_forward(),))


@points(0.9)
def check_values_for_other_inputs(lab, hidden):
    """forward_propagation: Z3 = W3·relu(W2·relu(W1·X + b1) + b2) + b3 for other X and parameters"""
    _values_match(lab, hidden.forward)


@points(0.4)
def check_shape_and_dtype(lab, hidden):
    """forward_propagation: a float32 tensor of shape (6, m), also for a single example"""
    for case, run in zip(hidden.forward, lab.run_cases(hidden.forward), strict=True):
        shape = (6, case.x.shape[1])
        require_tensor(run, case.call_text(), shape, " Z3 has one column of 6 logits per example.")


@points(0.4)
def check_gradients_reach_every_parameter(lab, hidden):
    """forward_propagation: the gradient of Z3 reaches all six parameters"""
    for case, run in zip(hidden.forward, lab.run_cases(hidden.forward), strict=True):
        require_gradient_flow(run, case.call_text(), "Z3")
