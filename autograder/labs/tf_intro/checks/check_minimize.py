"""Part 2: training(x, w, optimizer) minimises x0·w² + x1·w + x2 with optimizer.minimize."""

from autograder.checks import CheckFailed, part, points, require
from autograder.labs.tf_intro.hidden_inputs import root
from autograder.labs.tf_intro.observations import TrainingRun
from autograder.labs.tf_intro.reference import LAB_COEFFICIENTS
from autograder.tflab.judging import require_gradients
from autograder.tflab.observer import close

pytestmark = part("minimize")

CONVERGENCE_TOLERANCE = 1e-3
UPDATES = 1000


def _updates_note(run: TrainingRun) -> str:
    if run.updates not in (0, UPDATES):
        return f" The optimizer passed in made {run.updates} updates; the lab asks for {UPDATES}."
    return ""


def _other_optimizer_note(run: TrainingRun) -> str:
    if not run.other_updates:
        return ""
    return (
        f" {run.other_updates} updates went to an optimizer that training built itself:"
        " use the `optimizer` argument."
    )


def _number(value: float | None) -> str:
    return "missing" if value is None else f"{value:.6g}"


def _why_not_converged(run: TrainingRun) -> str:
    if close(run.w_final, run.start, 1e-9):
        if run.updates == 0 and run.other_updates == 0:
            return (
                " It did not move: training never called an optimizer. Call"
                " optimizer.minimize(cost_fn, [w]) 1000 times on the w it receives."
            )
        return " It did not move: train the w that training receives, in place."
    if close(run.w_final, 5.0, CONVERGENCE_TOLERANCE):
        return " It went to 5, the minimum for the notebook's own x: use the x training receives."
    return _updates_note(run)


def _runs(lab, hidden) -> list[TrainingRun]:
    return [
        lab.training(LAB_COEFFICIENTS),
        *(
            lab.training(c, s)
            for c, s in zip(hidden.coefficients, hidden.training_starts, strict=True)
        ),
    ]


@points(0.5)
def check_trains_and_returns_w(lab):
    """minimize: training(x, w, optimizer) trains the w it is given to 5 and returns it"""
    run = lab.training(LAB_COEFFICIENTS)
    run.require_no_error()
    require(
        run.returned_is_w,
        f"{run.call_text()} returned a {run.returned_type}, not the variable w it was given:"
        " train that w in place and `return w`.",
    )
    require(
        close(run.w_final, 5.0, CONVERGENCE_TOLERANCE),
        f"After {run.call_text()}, w was {_number(run.w_final)}; the minimum is at 5 (allowed"
        f" error {CONVERGENCE_TOLERANCE:g})." + _why_not_converged(run),
    )


@points(1.5)
def check_converges_for_other_coefficients(lab, hidden):
    """minimize: with other coefficients x, training converges to −x1 / (2·x0)"""
    for coefficients, start in zip(hidden.coefficients, hidden.training_starts, strict=True):
        run = lab.training(coefficients, start)
        run.require_no_error()
        target = root(coefficients)
        require(
            close(run.w_final, target, CONVERGENCE_TOLERANCE),
            f"After {run.call_text()}, the w passed in was {_number(run.w_final)}; the minimum"
            f" of x0·w² + x1·w + x2 is at −x1/(2·x0) = {target:.6g}." + _why_not_converged(run),
        )


@points(1.0)
def check_makes_1000_updates_with_given_optimizer(lab, hidden):
    """minimize: training makes exactly 1000 updates with the optimizer passed in"""
    for run in _runs(lab, hidden):
        run.require_no_error()
        if run.updates == 0:
            raise CheckFailed(
                f"{run.call_text()} never used the optimizer it was given: call"
                " optimizer.minimize(cost_fn, [w]) on the `optimizer` argument."
                + _other_optimizer_note(run)
            )
        require(
            run.updates == UPDATES,
            f"{run.call_text()} made {run.updates} updates with the optimizer passed in; the lab"
            f" asks for exactly {UPDATES}.",
        )


@points(1.0)
def check_gradients_are_2x0w_plus_x1(lab, hidden):
    """minimize: the optimizer receives the gradient 2·x0·w + x1 at every step"""
    for run in _runs(lab, hidden):
        run.require_no_error()
        require(
            bool(run.pairs),
            f"{run.call_text()} passed no gradients to the optimizer it was given."
            + _other_optimizer_note(run),
        )
        x0, x1, _ = run.coefficients
        require_gradients(
            run.pairs,
            lambda w, x0=x0, x1=x1: 2 * x0 * w + x1,
            "d/dw (x0·w² + x1·w + x2) = 2·x0·w + x1",
            f" of {run.call_text()}",
            " Check cost_fn against the coefficients in x.",
        )
