"""The toolkit's ScalarAdam gives exactly what tf_keras's Adam gives, bit for bit."""

import pytest

from tests.conftest import script_json


@pytest.fixture(scope="module")
def runs() -> dict:
    return script_json("compare_adam.py")


# How many updates of each scenario the grader's Adam must make on its short path. Without
# this, the comparisons would pass just as well if the short path were never taken.
SHORT_PATH_UPDATES = {
    "lab": 1000,
    "wiggly": 300,
    "minimize": 300,
    "two_variables": 300,
    "changed_mid_run": 300,  # a new constant learning rate keeps it
    "back_and_forth": 300 - 6,  # every 50th step, from the 10th, has a None gradient
    "new_variable_later": 5,  # until a variable it was not built with turns up
    "missing_gradient": 0,  # tf_keras's own path raises its error
}


@pytest.mark.parametrize(
    "scenario",
    ["lab", "wiggly", "minimize", "two_variables", "changed_mid_run", "back_and_forth"],
)
def test_every_value_and_slot_matches_tf_keras_bit_for_bit(runs, scenario):
    keras, scalar = runs[scenario]["keras"], runs[scenario]["scalar"]
    assert keras["error"] is None and keras["finite"]
    assert len(keras["seen"]) >= 300
    assert scalar["seen"] == keras["seen"]
    assert scalar["slots"] == keras["slots"]
    assert scalar["iterations"] == keras["iterations"] >= 300
    assert runs[scenario]["short_path_updates"] == SHORT_PATH_UPDATES[scenario]


@pytest.mark.parametrize("scenario", ["new_variable_later", "missing_gradient"])
def test_mistakes_raise_the_same_error_after_the_same_updates(runs, scenario):
    keras, scalar = runs[scenario]["keras"], runs[scenario]["scalar"]
    assert keras["error"] is not None
    assert scalar == keras
    assert runs[scenario]["short_path_updates"] == SHORT_PATH_UPDATES[scenario]
