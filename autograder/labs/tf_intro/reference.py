"""The lab's reference in numpy: Adam on the quadratic x0·w² + x1·w + x2, in float32."""

import numpy as np

from autograder.tflab import reference

LAB_COEFFICIENTS = (1.0, -10.0, 25.0)


def quadratic_gradient(coefficients: tuple[float, float, float], w: float) -> float:
    """d/dw of x0·w² + x1·w + x2, in float32."""
    x0, x1, _ = (np.float32(c) for c in coefficients)
    return float(np.float32(2) * x0 * np.float32(w) + x1)


def adam_trajectory(coefficients, start: float, steps: int) -> list[float]:
    """w after each of `steps` updates of a fresh Adam(0.1) from `start`."""
    return reference.adam_trajectory(lambda w: quadratic_gradient(coefficients, w), start, steps)
