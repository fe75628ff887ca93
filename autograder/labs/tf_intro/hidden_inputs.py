"""Hidden conditions for one submission, drawn from its seed.

Kept in the grader process. Every draw is checked against the float32 reference so that
a correct solution is always able to meet the tolerances the checks apply.
"""

from dataclasses import dataclass

import numpy as np

from autograder.labs.tf_intro.reference import adam_trajectory

TRAIN_STEP_STARTS = 3
COEFFICIENT_SETS = 2


@dataclass(frozen=True)
class HiddenInputs:
    starts: tuple[float, ...]  # train_step starting points
    coefficients: tuple[tuple[float, float, float], ...]  # (x0, x1, x2), x0 > 0
    training_starts: tuple[float, ...]


def _f32(value: float) -> float:
    return float(np.float32(value))


def root(coefficients: tuple[float, float, float]) -> float:
    x0, x1, _ = coefficients
    return -x1 / (2 * x0)


def draw(seed: int) -> HiddenInputs:
    rng = np.random.default_rng(seed)
    starts = []
    while len(starts) < TRAIN_STEP_STARTS:
        start = _f32(round(rng.uniform(-12, 12), 3))
        if abs(start - 5) > 1.5 and abs(start) > 0.5:
            starts.append(start)
    coefficients, training_starts = [], []
    while len(coefficients) < COEFFICIENT_SETS:
        x0 = round(rng.uniform(0.5, 3.0), 2)
        target = round(rng.uniform(-6.0, 9.0), 2)
        x2 = round(rng.uniform(-5.0, 30.0), 2)
        candidate = (_f32(x0), _f32(-2 * x0 * target), _f32(x2))
        start = _f32(round(rng.uniform(-3.0, 3.0), 2))
        final = adam_trajectory(candidate, start, 1000)[-1]
        if abs(target - start) > 1.0 and abs(final - root(candidate)) < 1e-4:
            coefficients.append(candidate)
            training_starts.append(start)
    return HiddenInputs(tuple(starts), tuple(coefficients), tuple(training_starts))
