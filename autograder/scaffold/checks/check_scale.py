"""The scale part: scale(x, factor) returns x times factor.

A check's docstring is its name in the feedback; CheckFailed's message (require's second
argument) is what the student reads when it fails: say what was observed, what was
expected, and the likely cause.
"""

import math

from autograder.checks import part, points, require

pytestmark = part("scale")


@points(1.0)
def check_scale_returns_a_number_per_input(observe, hidden):
    """scale: defined, and returns a number for each input"""
    run = observe("scale_run", values=hidden.values, factor=hidden.factor)
    require(run["defined"], "scale is not defined: run the cell that defines it.")
    for value, got in zip(hidden.values, run["outputs"], strict=True):
        require(got is not None, f"scale({value:g}, {hidden.factor:g}) returned no number.")


@points(1.0)
def check_scale_multiplies(observe, hidden):
    """scale: scale(x, factor) is x * factor on hidden inputs"""
    run = observe("scale_run", values=hidden.values, factor=hidden.factor)
    require(run["defined"], "scale is not defined: run the cell that defines it.")
    for value, got in zip(hidden.values, run["outputs"], strict=True):
        want = value * hidden.factor
        require(
            got is not None and math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-5),
            f"scale({value:g}, {hidden.factor:g}) returned {got:g}; expected {want:g}.",
        )
