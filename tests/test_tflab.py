"""The toolkit for TensorFlow labs (autograder.tflab), on its own: what probes rely on.

The student's side runs in a script of its own (tests/scripts/toolkit_student_side.py):
TensorFlow must not run ops in the test process, which forks fork servers later.
"""

import numpy as np
import pytest

from autograder.tflab.judging import require_gradients, require_values
from autograder.tflab.observer import Call, Pair, Returned
from autograder.tflab.parsing import Malformed, StudentError, parse
from tests.conftest import script_json


@pytest.fixture(scope="module")
def student_side() -> dict:
    return script_json("toolkit_student_side.py")


def test_the_students_own_objects_are_found_however_they_are_bound(student_side):
    # globals, defaults, a closure, a bound method, class attributes, a partial, a dict of
    # lists, an alias used through a helper, and a @tf.function: each reaches w and Adam
    assert len(student_side["found"]) == 9
    assert student_side["found"] == {name: [True, True] for name in student_side["found"]}
    assert student_side["partial"] and student_side["module_skipped"]
    # self.decoy is the variable the instance holds, not the notebook's global named decoy
    assert student_side["attribute_is_no_global"] == [True]


def test_a_reset_keeps_identity_and_makes_a_fresh_optimizer(student_side):
    reset = student_side["reset"]
    # trained on w before, it then takes another variable, as a new optimizer would
    assert reset == {"same_identity": True, "iterations_after_one": 1, "w": 2.5}


def test_updates_are_recorded_once_each_with_values_when_handed_over(student_side):
    first, second = student_side["pairs"]
    assert student_side["updates"] == 2  # minimize's inner apply_gradients is not counted again
    assert first == {
        "gradient": 3.0,  # d (w - 1)² / dw at 2.5
        "variable_is_target": True,
        "variable_value": 2.5,
        "from_tape": True,
        "given_optimizer": True,
    }
    assert second["from_tape"] and second["gradient"] == pytest.approx(2 * second["variable_value"])


def test_locals_survive_a_raise_and_gradient_flow_and_updates_are_per_variable(student_side):
    assert student_side["captured"] == ["chosen", "w"] and student_side["captured_holds_w"]
    # b went through .numpy() and c through stop_gradient: no gradient reaches them
    assert student_side["reached"] == {"a": True, "b": False, "c": False}
    assert student_side["changes"] == {"a": 0.5, "b": 0.0, "c": 0.0}


def test_parse_believes_well_formed_data_and_nothing_else():
    pair = {"gradient": 1.0, "variable_is_target": True, "variable_value": 0.5}
    pair |= {"from_tape": True, "given_optimizer": False}
    assert parse(Pair, pair) == Pair(1.0, True, 0.5, True, False)
    for bad in ({**pair, "gradient": "1"}, {**pair, "from_tape": 1}, {**pair, "gradient": True}):
        with pytest.raises(Malformed):
            parse(Pair, bad)
    error = StudentError.from_json({"type": "ValueError", "message": "x" * 5000, "extra": 1})
    assert set(error) == {"type", "message", "where"} and len(error["message"]) == 2000
    with pytest.raises(Malformed):  # values that don't fill the shape they claim
        Returned.from_json({"kind": "Tensor", "dtype": "float32", "shape": [2], "values": [1.0]})


def _call(values: list, shape: list) -> Call:
    result = {"kind": "Tensor", "dtype": "float32", "shape": shape, "values": values}
    return parse(Call, {"error": None, "result": result, "gradients": []})


def test_values_are_judged_with_the_likely_cause_named():
    expected = np.array([[1.0], [2.0]])
    require_values(_call([1.0, 2.0], [2]), "f(x)", expected, "y")  # (2,) read as (2, 1)
    with pytest.raises(AssertionError, match="halved"):
        require_values(
            _call([0.5, 1.0], [2, 1]), "f(x)", expected, "y", causes=((expected / 2, "halved"),)
        )
    with pytest.raises(AssertionError, match="has shape"):
        require_values(_call([1.0, 2.0, 3.0], [3]), "f(x)", expected, "y")


def test_gradients_that_are_all_scaled_are_named_as_a_scaled_cost():
    pairs = [Pair(3 * (2 * w - 10), True, w, True, True) for w in (0.0, 1.0, 2.0)]
    with pytest.raises(AssertionError, match="3 times the right one"):
        require_gradients(pairs, lambda w: 2 * w - 10, "dJ/dw")
    require_gradients(
        [Pair(2 * w - 10, True, w, True, True) for w in (0.0, 4.0)], lambda w: 2 * w - 10, "dJ/dw"
    )
