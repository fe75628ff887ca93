"""The grader's side of probes: asking for runs, the values they report, checks' fixtures.

A lab's Observer subclasses `Observer`, names its HINTS, and adds one method per probe that
asks, parses (`autograder.tflab.parsing`) and returns a dataclass. Its checks' conftest is
two lines: `lab, hidden = lab_fixtures(Observer, draw)`.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

from autograder.checks import CheckFailed
from autograder.hints import Hint, explain_error
from autograder.sandbox.session import ProbeFailed
from autograder.tflab.parsing import MAX_ITEMS, StudentError, expect, parse

KINDS = {"Tensor": "a tensor", "Variable": "a tf.Variable"}


def close(actual: float | None, expected: float, tolerance: float) -> bool:
    """A finite number within `tolerance` of `expected` (None, NaN and inf are not)."""
    return actual is not None and math.isfinite(actual) and abs(actual - expected) <= tolerance


def tensor(array, dtype: str = "float32") -> dict:
    """A tensor argument for `call_run` (autograder.tflab.calls)."""
    return {"tensor": np.asarray(array).tolist(), "dtype": dtype}


def variables(arrays: dict, dtype: str = "float32") -> dict:
    """A dict of tf.Variables argument for `call_run`."""
    return {
        "variables": {name: np.asarray(v).tolist() for name, v in arrays.items()},
        "dtype": dtype,
    }


@dataclass(frozen=True)
class Returned:
    """A value a student function returned: its kind, dtype, shape and values."""

    kind: str
    dtype: str | None
    shape: tuple[int, ...] | None
    values: np.ndarray | None  # float64, in `shape`; NaN for non-finite numbers
    items: dict[str, "Returned"] | tuple["Returned", ...] | None = None  # of a dict or tuple

    @classmethod
    def from_json(cls, data) -> "Returned":
        expect(isinstance(data, dict))
        shape, values = data.get("shape"), data.get("values")
        if shape is not None:
            expect(isinstance(shape, list) and len(shape) <= 8)
            expect(all(isinstance(n, int) and not isinstance(n, bool) for n in shape))
            shape = tuple(shape)
        if values is not None:
            expect(isinstance(values, list) and len(values) <= MAX_ITEMS and shape is not None)
            expect(all(v is None or type(v) in (int, float) for v in values))
            values = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            expect(values.size == int(np.prod(shape)))
            values = values.reshape(shape)
        dtype, items = data.get("dtype"), data.get("items")
        expect(isinstance(data.get("kind"), str) and (dtype is None or isinstance(dtype, str)))
        expect(items is None or (isinstance(items, dict | list) and len(items) <= 20))
        if isinstance(items, dict):
            items = {str(key)[:40]: cls.from_json(item) for key, item in items.items()}
        elif isinstance(items, list):
            items = tuple(cls.from_json(item) for item in items)
        return cls(data["kind"][:80], dtype and dtype[:40], shape, values, items)

    def describe(self) -> str:
        what = KINDS.get(self.kind, f"a {self.kind}")
        return (
            what if self.shape is None else f"{what} of shape {self.shape} and dtype {self.dtype}"
        )

    def is_tensor(self, dtype: str, shape: tuple[int, ...] | None = None) -> bool:
        return self.kind in KINDS and self.dtype == dtype and shape in (None, self.shape)


@dataclass(frozen=True)
class Gradient:
    values: Returned | None = None  # d output / d a tensor argument; kind NoneType if none
    reached: dict[str, bool] | None = None  # for a dict of variables: which it reached


@dataclass(frozen=True)
class Call:
    """One call of a student function by `call_run`."""

    error: StudentError | None
    result: Returned | None
    gradients: tuple[Gradient, ...]
    hints: tuple[Hint, ...] = field(default=(), compare=False)

    def require_returned(self, call_text: str) -> Returned:
        """What it returned, if it returned; else a failure with the student's error."""
        if self.error or self.result is None:
            raise CheckFailed(f"{call_text} raised {explain_error(self.error, self.hints)}")
        return self.result

    def require_result(self, call_text: str) -> Returned:
        """What it returned, if that is numbers; else a failure saying what happened."""
        self.require_returned(call_text)
        if self.result is None or self.result.values is None:
            kind = self.result.kind if self.result else "nothing"
            raise CheckFailed(f"{call_text} returned {kind}, not a tensor of numbers.")
        return self.result

    def not_reached(self, index: int = 0) -> list[str]:
        """The variables of the index-th requested gradient that no gradient reached."""
        reached = self.gradients[index].reached if index < len(self.gradients) else None
        expect(reached is not None)
        return [name for name, flows in reached.items() if not flows]


@dataclass(frozen=True)
class Sources:
    """What a function differentiated or listed (recording.describe_sources)."""

    kind: str  # list | tuple | sequence | variable | other
    holds_target: tuple[bool, ...]

    @property
    def is_list(self) -> bool:
        return self.kind in ("list", "tuple")

    @property
    def only_target(self) -> bool:
        """[target], (target,) or the target variable itself."""
        return (self.is_list or self.kind == "variable") and self.holds_target == (True,)


@dataclass(frozen=True)
class Pair:
    """A (gradient, variable) pair an optimizer was handed (Recording.describe_pairs)."""

    gradient: float | None
    variable_is_target: bool
    variable_value: float | None  # when it was handed over
    from_tape: bool
    given_optimizer: bool


@dataclass(frozen=True)
class Trained:
    change: float | None  # the largest absolute change of any of its values
    tape_updates: int  # optimizer updates that handed it a gradient from tape.gradient


@dataclass(frozen=True)
class Training:
    """What a training loop did (autograder.tflab.flow.training_report)."""

    tape_calls: int
    updates: int
    updates_from_tape: int  # updates whose every gradient is one tape.gradient returned
    optimizers: tuple[str, ...]  # the first updates' optimizer classes, "Adam,Optimizer,..."
    learning_rates: tuple[float | None, ...]
    trained: dict[str, Trained]  # the watched variables, by name


@dataclass(frozen=True)
class Run:
    """A student function called under observation (autograder.tflab.calls.observed_call)."""

    error: StudentError | None
    returned: Returned | None
    training: Training
    call_text: str = ""
    hints: tuple[Hint, ...] = field(default=(), compare=False)

    def require_no_error(self) -> None:
        if self.error:
            raise CheckFailed(f"{self.call_text} raised {explain_error(self.error, self.hints)}")


class Observer:
    """Asks the student's process for runs; fails the check when it can't answer."""

    HINTS: tuple[Hint, ...] = ()

    def __init__(self, observe: Callable[..., dict], context: dict):
        self._observe = observe
        self._context = context

    def ask(self, what: str, probe: str, **args) -> dict:
        try:
            answer = self._observe(probe, **args)
        except ProbeFailed as failure:
            raise CheckFailed(f"{what}: {failure}{self._cell_context()}") from None
        expect(isinstance(answer, dict))
        return answer

    def _cell_context(self) -> str:
        problems = self._context.get("cell_problems") or []
        if not problems:
            return ""
        return "\nCells that did not run cleanly:\n" + "\n".join(f"- {p}" for p in problems[:3])

    def calls(self, function: str, cases: list[dict]) -> list[Call]:
        """`function` called on each case by the toolkit's call_run probe."""
        runs = self.ask(f"Calling {function}", "call_run", function=function, cases=cases)
        runs = runs.get("runs")
        expect(isinstance(runs, list) and len(runs) == len(cases))
        return [parse(Call, run, hints=self.HINTS) for run in runs]

    def run_cases(self, cases) -> list[Call]:
        """Cases of one function (its name in each case's `function`), each called on its
        `args()` (a call_run case: {"args", "kwargs", "gradients"})."""
        return self.calls(cases[0].function, [case.args() for case in cases])

    @classmethod
    def explain(cls, error: StudentError | None) -> str:
        """The student's error, with the lab's hint for it if one matches."""
        return explain_error(error, cls.HINTS)


def lab_fixtures(observer: type[Observer], draw: Callable[[int], object]):
    """The `lab` and `hidden` fixtures of a lab's checks: `lab, hidden = lab_fixtures(...)`."""

    @pytest.fixture
    def hidden(seed: int):
        return draw(seed)

    @pytest.fixture
    def lab(observe, notebook_context) -> Observer:
        return observer(observe, notebook_context)

    return lab, hidden
