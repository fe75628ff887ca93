"""The grader's independent float32 Adam, and the hidden inputs drawn from it."""

import pytest

from autograder.labs.tf_intro.hidden_inputs import draw, root
from autograder.labs.tf_intro.reference import LAB_COEFFICIENTS, adam_trajectory
from autograder.seeding import submission_seed


def test_reference_reproduces_the_course_numbers():
    path = adam_trajectory(LAB_COEFFICIENTS, 0.0, 1000)
    assert path[0] == pytest.approx(0.0999993, abs=1e-7)
    assert path[-1] == pytest.approx(5.000001, abs=1e-6)


def test_a_cost_scaled_by_a_constant_barely_moves_adam():
    plain = adam_trajectory(LAB_COEFFICIENTS, 0.0, 25)
    scaled = adam_trajectory(tuple(3 * c for c in LAB_COEFFICIENTS), 0.0, 25)
    assert max(abs(a - b) for a, b in zip(plain, scaled, strict=True)) < 1e-5


def test_hidden_inputs_are_reproducible_per_submission_and_differ_between_them():
    seed = submission_seed(["code a"], "tf_intro", secret="")
    assert draw(seed) == draw(submission_seed(["code a"], "tf_intro", secret=""))
    assert draw(seed) != draw(submission_seed(["code b"], "tf_intro", secret=""))
    assert draw(seed) != draw(submission_seed(["code a"], "tf_intro", secret="course secret"))


@pytest.mark.parametrize("seed", range(20))
def test_every_hidden_coefficient_set_is_solvable_by_adam_in_1000_steps(seed):
    hidden = draw(seed)
    for coefficients, start in zip(hidden.coefficients, hidden.training_starts, strict=True):
        assert coefficients[0] > 0
        final = adam_trajectory(coefficients, start, 1000)[-1]
        assert abs(final - root(coefficients)) < 1e-4
    assert all(abs(start - 5) > 1.5 for start in hidden.starts)
