"""Grader-side view of the probes: asks for runs, validates the JSON, phrases failures.

Whatever the student's process sends is untrusted data: every field is type-checked here,
and anything malformed fails the check instead of being believed.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from autograder.checks import CheckFailed
from autograder.feedback import explain_error
from autograder.labs.tf_intro.hints import HINTS
from autograder.sandbox.session import ProbeFailed

DETAIL_STEPS = 25
LONG_RUN_STEPS = 1000


class Malformed(CheckFailed):
    """A measurement that isn't of the shape the probe promises is not believed."""

    def __init__(self):
        super().__init__("Your notebook's process sent malformed measurements.")


def _float(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Malformed()
    return float(value)


def _optional_float(value) -> float | None:
    return None if value is None else _float(value)


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise Malformed()
    return value


def _int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed()
    return value


def _list(value, limit: int = 100_000) -> list:
    if not isinstance(value, list) or len(value) > limit:
        raise Malformed()
    return value


def _error(value) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Malformed()
    return {key: str(value.get(key) or "")[:2000] for key in ("type", "message", "where")}


@dataclass(frozen=True)
class Sources:
    kind: str  # list | tuple | sequence | variable | other
    holds_w: tuple[bool, ...]

    @classmethod
    def parse(cls, data) -> "Sources | None":
        if data is None:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            raise Malformed()
        return cls(data["kind"][:20], tuple(_bool(b) for b in _list(data.get("holds_w"))))

    @property
    def is_list(self) -> bool:
        return self.kind in ("list", "tuple")

    @property
    def names_only_w(self) -> bool:
        """[w], (w,) or w itself: tape.gradient differentiates exactly the notebook's w."""
        return (self.is_list or self.kind == "variable") and self.holds_w == (True,)


@dataclass(frozen=True)
class Pair:
    gradient: float | None
    variable_is_w: bool
    variable_value: float | None
    from_tape: bool
    given_optimizer: bool  # applied by the optimizer the probe handed over, not another one

    @classmethod
    def parse(cls, data) -> "Pair":
        if not isinstance(data, dict):
            raise Malformed()
        return cls(
            _optional_float(data.get("gradient")),
            _bool(data.get("variable_is_w")),
            _optional_float(data.get("variable_value")),
            _bool(data.get("from_tape")),
            _bool(data.get("given_optimizer")),
        )


@dataclass(frozen=True)
class Step:
    tape_calls: int
    sources: Sources | None
    pairs: tuple[Pair, ...]

    @classmethod
    def parse(cls, data) -> "Step":
        if not isinstance(data, dict):
            raise Malformed()
        return cls(
            _int(data.get("tape_calls")),
            Sources.parse(data.get("sources")),
            tuple(Pair.parse(p) for p in _list(data.get("pairs"))),
        )


@dataclass(frozen=True)
class TrainStepRun:
    start: float
    path: tuple[float, ...]  # w after each completed step
    error: dict | None
    steps: tuple[Step, ...]  # details of the first steps
    local_trainable_variables: Sources | None

    @classmethod
    def parse(cls, start: float, data: dict) -> "TrainStepRun":
        return cls(
            start,
            tuple(_float(v) for v in _list(data.get("path"))),
            _error(data.get("error")),
            tuple(Step.parse(s) for s in _list(data.get("steps"))),
            Sources.parse(data.get("local_trainable_variables")),
        )

    def w_before(self, step: int) -> float:
        return self.start if step == 0 else self.path[step - 1]

    @property
    def used_another_optimizer(self) -> bool:
        return any(not pair.given_optimizer for step in self.steps for pair in step.pairs)

    def require_steps(self, count: int, what: str) -> tuple[float, ...]:
        """The first `count` values of w, or a failure explaining why they don't exist."""
        if len(self.path) >= count:
            return self.path[:count]
        if self.error:
            raise CheckFailed(
                f"{what}: calling train_step() raised {explain_error(self.error, HINTS)}"
            )
        raise CheckFailed(f"{what}: train_step() stopped after {len(self.path)} calls.")


@dataclass(frozen=True)
class TrainingRun:
    coefficients: tuple[float, float, float]
    start: float
    error: dict | None
    returned_is_w: bool
    returned_type: str
    w_final: float | None
    updates: int  # by the optimizer passed in
    other_updates: int  # by optimizers the student's code built itself
    pairs: tuple[Pair, ...]  # applied by the optimizer passed in

    @classmethod
    def parse(cls, coefficients, start: float, data: dict) -> "TrainingRun":
        return cls(
            tuple(coefficients),
            start,
            _error(data.get("error")),
            _bool(data.get("returned_is_w")),
            str(data.get("returned_type"))[:80],
            _optional_float(data.get("w_final")),
            _int(data.get("updates")),
            _int(data.get("other_updates")),
            tuple(Pair.parse(p) for p in _list(data.get("pairs"))),
        )

    def call_text(self) -> str:
        x0, x1, x2 = self.coefficients
        return f"training(x=[{x0:g}, {x1:g}, {x2:g}], w=tf.Variable({self.start:g}), Adam(0.1))"

    def require_no_error(self) -> None:
        if self.error:
            raise CheckFailed(f"{self.call_text()} raised {explain_error(self.error, HINTS)}")


def close(actual: float | None, expected: float, tolerance: float) -> bool:
    return actual is not None and math.isfinite(actual) and abs(actual - expected) <= tolerance


class Observer:
    """Asks the student's process for runs and returns them parsed, or fails the check."""

    def __init__(self, observe: Callable[..., dict], context: dict):
        self._observe = observe
        self._context = context

    def _ask(self, what: str, name: str, **args) -> dict:
        try:
            answer = self._observe(name, **args)
        except ProbeFailed as failure:
            raise CheckFailed(f"{what}: {failure}{self._cell_context()}") from None
        if not isinstance(answer, dict):
            raise Malformed()
        return answer

    def _cell_context(self) -> str:
        problems = self._context.get("cell_problems") or []
        if not problems:
            return ""
        return "\nCells that did not run cleanly:\n" + "\n".join(f"- {p}" for p in problems[:3])

    def train_step(self, start: float, steps: int = DETAIL_STEPS) -> TrainStepRun:
        data = self._ask(
            f"Calling train_step() from w = {start:g}",
            "train_step_run",
            start=start,
            steps=steps,
            detail_steps=DETAIL_STEPS,
        )
        return TrainStepRun.parse(start, data)

    def train_step_from_zero(self) -> TrainStepRun:
        return self.train_step(0.0, LONG_RUN_STEPS)

    def training(self, coefficients, start: float = 0.0) -> TrainingRun:
        coefficients = [float(c) for c in coefficients]
        data = self._ask(
            f"Calling training(x={coefficients}, w=tf.Variable({start:g}), Adam(0.1))",
            "training_run",
            coefficients=coefficients,
            start=start,
        )
        return TrainingRun.parse(coefficients, start, data)
