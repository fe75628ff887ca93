"""Fixtures for the tf_intro hidden checks. The engine provides observe, seed, notebook_context."""

import pytest

from autograder.labs.tf_intro.hidden_inputs import HiddenInputs, draw
from autograder.labs.tf_intro.observations import Observer


@pytest.fixture
def hidden(seed: int) -> HiddenInputs:
    return draw(seed)


@pytest.fixture
def lab(observe, notebook_context) -> Observer:
    return Observer(observe, notebook_context)
