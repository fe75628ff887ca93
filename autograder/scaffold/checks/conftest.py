"""Fixtures for LAB_NAME's hidden checks. The engine provides `observe` (ask a probe),
`seed` (the same for the same submission, different between submissions) and `tips`."""

from dataclasses import dataclass

import numpy
import pytest


@dataclass(frozen=True)
class HiddenInputs:
    values: list[float]
    factor: float


@pytest.fixture
def hidden(seed: int) -> HiddenInputs:
    """Inputs the student never sees, drawn per submission: hard-coded answers can't match."""
    rng = numpy.random.default_rng(seed)
    values = [round(float(v), 3) for v in rng.uniform(-10, 10, size=5)]
    return HiddenInputs(values, round(float(rng.uniform(0.5, 4.0)), 3))
