"""Part 1: train_step() takes one Adam step on J(w) = w² − 10w + 25 with a tape gradient."""

from autograder.checks import part, points, require
from autograder.labs.tf_intro.observations import TrainStepRun
from autograder.labs.tf_intro.reference import LAB_COEFFICIENTS, adam_trajectory
from autograder.tflab.judging import require_gradients
from autograder.tflab.observer import close

pytestmark = part("train_step")

FIRST_STEP_TOLERANCE = 1e-6
PATH_TOLERANCE = 1e-5  # float32 rounding of algebraically equal costs stays far below this
CONVERGENCE_TOLERANCE = 1e-3


def direction_hint(observed: float, start: float, expected: float) -> str:
    if observed == start:
        return " w did not change: train_step must call optimizer.apply_gradients."
    if (observed - start) * (expected - start) < 0:
        return " w moved away from the minimum at 5: check the signs in the cost."
    return ""


def repeated_update_note(run: TrainStepRun) -> str:
    updates = max((sum(p.variable_is_target for p in step.pairs) for step in run.steps), default=0)
    if updates <= 1:
        return ""
    return (
        f" One call of train_step() handed w to the optimizer {updates} times: one step is"
        " one optimizer.apply_gradients call."
    )


def another_optimizer_note(run: TrainStepRun) -> str:
    if not run.used_another_optimizer:
        return ""
    return (
        " The updates went to an optimizer that train_step built itself, not the notebook's"
        " `optimizer`: create the optimizer once, outside train_step, so that Adam's moments"
        " carry over from one step to the next."
    )


@points(0.5)
def check_first_step_from_zero(lab):
    """train_step: one step from w = 0 with a fresh Adam(0.1) takes Adam's first step"""
    run = lab.train_step_from_zero()
    (first,) = run.require_steps(1, "One step from w = 0")
    expected = adam_trajectory(LAB_COEFFICIENTS, 0.0, 1)[0]
    require(
        close(first, expected, FIRST_STEP_TOLERANCE),
        f"After one call of train_step() from w = 0 with a fresh Adam(0.1), w was {first:.7f};"
        f" Adam's first step on J(w) = w² − 10w + 25 gives {expected:.7f}."
        + direction_hint(first, 0.0, expected)
        + repeated_update_note(run),
    )


@points(0.5)
def check_converges_in_1000_steps(lab):
    """train_step: 1000 steps from w = 0 bring w to 5"""
    run = lab.train_step_from_zero()
    path = run.require_steps(1000, "1000 steps from w = 0")
    require(
        close(path[-1], 5.0, CONVERGENCE_TOLERANCE),
        f"After 1000 calls of train_step() from w = 0, w was {path[-1]:.6g}; the minimum of"
        f" J(w) is at w = 5 (allowed error {CONVERGENCE_TOLERANCE:g})."
        + another_optimizer_note(run),
    )


@points(1.0)
def check_follows_adam_from_hidden_starts(lab, hidden):
    """train_step: from other starting points, w follows Adam's path step by step"""
    for start in hidden.starts:
        run = lab.train_step(start)
        observed = run.require_steps(25, f"Steps from w = {start:g}")
        expected = adam_trajectory(LAB_COEFFICIENTS, start, len(observed))
        for step, (got, want) in enumerate(zip(observed, expected, strict=True), start=1):
            require(
                close(got, want, PATH_TOLERANCE),
                f"Starting from w = {start:g} with a fresh Adam(0.1), after step {step} w was"
                f" {got:.6f}; Adam on J(w) = w² − 10w + 25 gives {want:.6f}."
                + direction_hint(got, start if step == 1 else observed[step - 2], want)
                + repeated_update_note(run)
                + another_optimizer_note(run),
            )


def _observed_runs(lab, hidden) -> list[TrainStepRun]:
    return [lab.train_step_from_zero(), *(lab.train_step(start) for start in hidden.starts)]


@points(1.0)
def check_gradient_is_2w_minus_10(lab, hidden):
    """train_step: the gradient handed to the optimizer is dJ/dw = 2w − 10 at every step"""
    for run in _observed_runs(lab, hidden):
        run.require_steps(1, f"A step from w = {run.start:g}")
        for index, step in enumerate(run.steps[: len(run.path)]):
            require(
                bool(step.pairs),
                f"Step {index + 1} from w = {run.start:g} handed no gradient to"
                " optimizer.apply_gradients.",
            )
        pairs = [step.pairs[0] for step in run.steps[: len(run.path)]]
        require_gradients(
            pairs, lambda w: 2 * w - 10, "dJ/dw = 2w − 10", f" from w = {run.start:g}"
        )


@points(1.0)
def check_gradient_comes_from_tape(lab, hidden):
    """train_step: the gradients come from tf.GradientTape"""
    for run in _observed_runs(lab, hidden):
        run.require_steps(1, f"A step from w = {run.start:g}")
        for index, step in enumerate(run.steps[: len(run.path)]):
            require(
                step.tape_calls > 0,
                f"Step {index + 1} from w = {run.start:g} never called tape.gradient: compute"
                " the gradient with tf.GradientTape instead of a formula derived by hand.",
            )
            require(
                bool(step.pairs) and all(pair.from_tape for pair in step.pairs),
                f"In step {index + 1} from w = {run.start:g}, the gradients passed to"
                " optimizer.apply_gradients are not the ones tape.gradient returned.",
            )
