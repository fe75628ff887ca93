"""Fixtures of the tf_network hidden checks; the engine provides observe, seed, notebook_context."""

import pytest

from autograder.labs.tf_network.hidden_inputs import HiddenInputs, draw
from autograder.labs.tf_network.observations import Observer


@pytest.fixture
def hidden(seed: int) -> HiddenInputs:
    return draw(seed)


@pytest.fixture
def lab(observe, notebook_context) -> Observer:
    return Observer(observe, notebook_context)
