"""Measurements from the student's process are validated before any check believes them."""

import pytest

from autograder.checks import CheckFailed
from autograder.labs.tf_intro.observations import Observer
from autograder.sandbox.session import ProbeFailed
from autograder.tflab.parsing import Malformed

GOOD_STEP = {
    "tape_calls": 1,
    "sources": {"kind": "list", "holds_target": [True]},
    "pairs": [
        {
            "gradient": -10.0,
            "variable_is_target": True,
            "variable_value": 0.0,
            "from_tape": True,
            "given_optimizer": True,
        }
    ],
}
GOOD_RUN = {"path": [0.1], "error": None, "steps": [GOOD_STEP], "local_trainable_variables": None}


def observer(answer) -> Observer:
    def observe(name, **args):
        if isinstance(answer, Exception):
            raise answer
        return answer

    return Observer(observe, {"cell_problems": ["code cell 3: SyntaxError: invalid syntax"]})


def test_well_formed_measurements_are_parsed():
    run = observer(GOOD_RUN).train_step(0.0)
    assert run.path == (0.1,) and run.steps[0].sources.only_target


@pytest.mark.parametrize(
    "bad",
    [
        {**GOOD_RUN, "path": ["5.0"]},
        {**GOOD_RUN, "path": [True]},
        {**GOOD_RUN, "path": 5.0},
        {**GOOD_RUN, "steps": [{**GOOD_STEP, "tape_calls": "1"}]},
        {**GOOD_RUN, "steps": [{**GOOD_STEP, "pairs": [{"gradient": -10.0}]}]},
        {**GOOD_RUN, "steps": [{**GOOD_STEP, "sources": {"kind": "list", "holds_target": [1]}}]},
        {**GOOD_RUN, "error": "not a dict"},
        {},
    ],
)
def test_malformed_measurements_fail_the_check_instead_of_being_believed(bad):
    with pytest.raises(Malformed):
        observer(bad).train_step(0.0)


def test_a_process_that_could_not_answer_fails_with_the_cells_that_went_wrong():
    with pytest.raises(CheckFailed) as failure:
        observer(ProbeFailed("the notebook does not define train_step")).train_step(0.0)
    message = str(failure.value)
    assert "does not define train_step" in message
    assert "code cell 3: SyntaxError" in message
