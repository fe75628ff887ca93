"""Reference Adam trajectories on a quadratic, computed in float32 with numpy.

This runs in the grader process and never imports TensorFlow: the expected values
are derived independently of anything the student's process could influence.
It follows the update rule of legacy Keras's Adam (tf_keras 2.x), which the lab uses.
"""

from dataclasses import dataclass

import numpy as np

F32 = np.float32


@dataclass(frozen=True)
class AdamSettings:
    learning_rate: float = 0.1
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7


def quadratic_gradient(coefficients: tuple[float, float, float], w: float) -> float:
    """d/dw of x0·w² + x1·w + x2, in float32."""
    x0, x1, _ = (F32(c) for c in coefficients)
    return float(F32(2) * x0 * F32(w) + x1)


def adam_trajectory(
    coefficients: tuple[float, float, float],
    start: float,
    steps: int,
    settings: AdamSettings = AdamSettings(),
) -> list[float]:
    """w after each of `steps` Adam updates from `start`, with fresh optimizer state."""
    lr, b1, b2, eps = (
        F32(v) for v in (settings.learning_rate, settings.beta_1, settings.beta_2, settings.epsilon)
    )
    # Keras forms (1 - beta) in double precision before casting; the bias corrections
    # are formed in float32. Matching both keeps the first step at 0.0999993, not 0.1.
    m_rate, v_rate = F32(1 - settings.beta_1), F32(1 - settings.beta_2)
    one = F32(1)
    w, m, v = F32(start), F32(0), F32(0)
    path = []
    for step in range(1, steps + 1):
        g = F32(quadratic_gradient(coefficients, w))
        b1_power, b2_power = b1 ** F32(step), b2 ** F32(step)
        alpha = lr * np.sqrt(one - b2_power) / (one - b1_power)
        m = m + (g - m) * m_rate
        v = v + (g * g - v) * v_rate
        w = w - (m * alpha) / (np.sqrt(v) + eps)
        path.append(float(w))
    return path


LAB_COEFFICIENTS = (1.0, -10.0, 25.0)
