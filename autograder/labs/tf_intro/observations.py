"""tf_intro's view of its probes' answers, checked field by field (autograder.tflab.parsing)."""

from dataclasses import dataclass

from autograder.checks import CheckFailed
from autograder.labs.tf_intro.hints import HINTS
from autograder.tflab import observer
from autograder.tflab.observer import Pair, Sources
from autograder.tflab.parsing import StudentError, parse

DETAIL_STEPS = 25
LONG_RUN_STEPS = 1000


@dataclass(frozen=True)
class Step:
    tape_calls: int
    sources: Sources | None
    pairs: tuple[Pair, ...]  # well-formed (gradient, variable) pairs only


@dataclass(frozen=True)
class TrainStepRun:
    start: float
    path: tuple[float, ...]  # w after each completed step
    error: StudentError | None
    steps: tuple[Step, ...]  # details of the first steps
    local_trainable_variables: Sources | None = None

    def w_before(self, step: int) -> float:
        return self.start if step == 0 else self.path[step - 1]

    @property
    def used_another_optimizer(self) -> bool:
        return any(not pair.given_optimizer for step in self.steps for pair in step.pairs)

    @property
    def built_list(self) -> Sources | None:
        """The variables train_step chose: what it differentiated, else its local list."""
        first = self.steps[0].sources if self.steps else None
        return first or self.local_trainable_variables

    def require_steps(self, count: int, what: str) -> tuple[float, ...]:
        """The first `count` values of w, or a failure explaining why they don't exist."""
        if len(self.path) >= count:
            return self.path[:count]
        if self.error:
            raise CheckFailed(f"{what}: calling train_step() raised {Observer.explain(self.error)}")
        raise CheckFailed(f"{what}: train_step() stopped after {len(self.path)} calls.")


@dataclass(frozen=True)
class TrainingRun:
    coefficients: tuple[float, float, float]
    start: float
    error: StudentError | None
    returned_is_w: bool
    returned_type: str
    w_final: float | None
    updates: int  # by the optimizer passed in
    other_updates: int  # by optimizers the student's code built itself
    pairs: tuple[Pair, ...]  # applied by the optimizer passed in

    def call_text(self) -> str:
        x0, x1, x2 = self.coefficients
        return f"training(x=[{x0:g}, {x1:g}, {x2:g}], w=tf.Variable({self.start:g}), Adam(0.1))"

    def require_no_error(self) -> None:
        if self.error:
            raise CheckFailed(f"{self.call_text()} raised {Observer.explain(self.error)}")


class Observer(observer.Observer):
    HINTS = HINTS

    def train_step(self, start: float, steps: int = DETAIL_STEPS) -> TrainStepRun:
        what = f"Calling train_step() from w = {start:g}"
        data = self.ask(what, "train_step_run", start=start, steps=steps, detail_steps=DETAIL_STEPS)
        return parse(TrainStepRun, data, start=start)

    def train_step_from_zero(self) -> TrainStepRun:
        return self.train_step(0.0, LONG_RUN_STEPS)

    def training(self, coefficients, start: float = 0.0) -> TrainingRun:
        coefficients = tuple(float(c) for c in coefficients)
        what = f"Calling training(x={list(coefficients)}, w=tf.Variable({start:g}), Adam(0.1))"
        data = self.ask(what, "training_run", coefficients=list(coefficients), start=start)
        return parse(TrainingRun, data, coefficients=coefficients, start=start)
