"""The network of the lab in numpy: what each student function should compute.

Runs in the grader process and never imports TensorFlow (data/README.md says how the
initializer's values were written, once, with TensorFlow).
"""

import numpy as np

from autograder.labs.tf_network.dataset import GLOROT
from autograder.tflab.reference import cross_entropy_sum, relu

SHAPES = {
    "W1": (25, 64),
    "b1": (25, 1),
    "W2": (12, 25),
    "b2": (12, 1),
    "W3": (6, 12),
    "b3": (6, 1),
}
CLASSES = 6
total_loss = cross_entropy_sum  # the sum over the examples (columns) of the cross-entropy


def one_hot(label: int, depth: int) -> np.ndarray:
    return np.eye(depth, dtype=np.float32)[label]


def forward(x: np.ndarray, parameters: dict, activation=relu) -> np.ndarray:
    """Z3 for X of shape (64, m), in float64."""
    p = {name: np.asarray(value, dtype=np.float64) for name, value in parameters.items()}
    a1 = activation(p["W1"] @ x + p["b1"])
    a2 = activation(p["W2"] @ a1 + p["b2"])
    return p["W3"] @ a2 + p["b3"]


def loss_on_probabilities(logits: np.ndarray, labels: np.ndarray) -> float:
    """What Keras's cross-entropy gives with from_logits=False: logits taken as probabilities."""
    epsilon = 1e-7
    probabilities = logits / logits.sum(axis=0, keepdims=True)
    probabilities = np.clip(probabilities, epsilon, 1 - epsilon)
    return float(-(labels * np.log(probabilities)).sum())


def glorot_parameters() -> dict[str, np.ndarray]:
    with np.load(GLOROT) as data:
        return {name: data[name] for name in SHAPES}
