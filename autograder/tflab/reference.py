"""numpy references any TensorFlow lab can judge against, in the grader process.

They never import TensorFlow: expected values are derived independently of anything the
student's process could influence.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

F32 = np.float32


@dataclass(frozen=True)
class AdamSettings:
    learning_rate: float = 0.1
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7


def adam_trajectory(
    gradient: Callable[[np.float32], float], start: float, steps: int, settings=AdamSettings()
) -> list[float]:
    """A scalar w after each of `steps` updates of tf_keras's Adam from `start` with fresh
    state, in float32; `gradient(w)` is dJ/dw."""
    lr, b1, b2, eps = (
        F32(v) for v in (settings.learning_rate, settings.beta_1, settings.beta_2, settings.epsilon)
    )
    # Keras forms (1 - beta) in double precision before casting; the bias corrections
    # are formed in float32. Matching both keeps a first step of 0.1 at 0.0999993, not 0.1.
    m_rate, v_rate = F32(1 - settings.beta_1), F32(1 - settings.beta_2)
    one = F32(1)
    w, m, v = F32(start), F32(0), F32(0)
    path = []
    for step in range(1, steps + 1):
        g = F32(gradient(w))
        alpha = lr * np.sqrt(one - b2 ** F32(step)) / (one - b1 ** F32(step))
        m = m + (g - m) * m_rate
        v = v + (g * g - v) * v_rate
        w = w - (m * alpha) / (np.sqrt(v) + eps)
        path.append(float(w))
    return path


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def log_softmax(logits: np.ndarray, axis: int = 0) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = 0) -> np.ndarray:
    return np.exp(log_softmax(logits, axis))


def cross_entropy_sum(logits: np.ndarray, labels: np.ndarray, axis: int = 0) -> float:
    """Sum over examples of the cross-entropy of softmax(logits) (classes along `axis`)."""
    return float(-(labels * log_softmax(np.asarray(logits, np.float64), axis)).sum())
