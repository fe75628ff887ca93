"""Grader-side view of the probes: asks for runs, validates the JSON, phrases failures.

Whatever the student's process sends is untrusted data: every field is type-checked here,
and anything malformed fails the check instead of being believed.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autograder.checks import CheckFailed
from autograder.feedback import explain_error
from autograder.labs.tf_network.dataset import load_digits
from autograder.labs.tf_network.hidden_inputs import ForwardCase, LossCase, ModelCase, OneHotCase
from autograder.labs.tf_network.hints import HINTS
from autograder.sandbox.session import ProbeFailed

MAX_VALUES = 100_000


class Malformed(CheckFailed):
    def __init__(self):
        super().__init__("Your notebook's process sent malformed measurements.")


def _check(condition: bool) -> None:
    if not condition:
        raise Malformed()


def _int(value) -> int:
    _check(isinstance(value, int) and not isinstance(value, bool))
    return value


def _error(value) -> dict | None:
    if value is None:
        return None
    _check(isinstance(value, dict))
    return {key: str(value.get(key) or "")[:2000] for key in ("type", "message", "where")}


def _text(value, limit: int = 200) -> str:
    _check(isinstance(value, str))
    return value[:limit]


@dataclass(frozen=True)
class Returned:
    """A value a student function returned: its kind, dtype, shape and values."""

    kind: str
    dtype: str | None
    shape: tuple[int, ...] | None
    values: np.ndarray | None  # float64, in `shape`; NaN for non-finite numbers

    @classmethod
    def parse(cls, data) -> "Returned | None":
        if data is None:
            return None
        _check(isinstance(data, dict))
        shape = data.get("shape")
        if shape is not None:
            _check(isinstance(shape, list) and len(shape) <= 8)
            shape = tuple(_int(n) for n in shape)
        values = data.get("values")
        if values is not None:
            _check(isinstance(values, list) and len(values) <= MAX_VALUES and shape is not None)
            _check(all(v is None or type(v) in (int, float) for v in values))
            array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            _check(array.size == int(np.prod(shape)))
            values = array.reshape(shape)
        dtype = data.get("dtype")
        return cls(
            _text(data.get("kind"), 80),
            None if dtype is None else _text(dtype, 40),
            shape,
            values,
        )

    def describe(self) -> str:
        what = {"Tensor": "a tensor", "Variable": "a tf.Variable"}.get(self.kind, f"a {self.kind}")
        if self.shape is None:
            return what
        return f"{what} of shape {self.shape} and dtype {self.dtype}"


@dataclass(frozen=True)
class Call:
    error: dict | None
    result: Returned | None
    gradient: Returned | None = None

    @classmethod
    def parse(cls, data) -> "Call":
        _check(isinstance(data, dict))
        return cls(
            _error(data.get("error")),
            Returned.parse(data.get("result")),
            Returned.parse(data.get("gradient")),
        )

    def require_result(self, call_text: str) -> Returned:
        if self.error:
            raise CheckFailed(f"{call_text} raised {explain_error(self.error, HINTS)}")
        if self.result is None or self.result.values is None:
            kind = self.result.kind if self.result else "nothing"
            raise CheckFailed(f"{call_text} returned {kind}, not a tensor of numbers.")
        return self.result


@dataclass(frozen=True)
class Initialized:
    error: dict | None
    kind: str | None
    keys: tuple[str, ...]
    parameters: dict[str, Returned | None]
    fresh: bool

    @classmethod
    def parse(cls, data) -> "Initialized":
        _check(isinstance(data, dict))
        parameters = data.get("parameters") or {}
        _check(isinstance(parameters, dict))
        keys = data.get("keys") or []
        _check(isinstance(keys, list))
        kind = data.get("kind")
        return cls(
            _error(data.get("error")),
            None if kind is None else _text(kind, 80),
            tuple(_text(k, 40) for k in keys[:20]),
            {str(name)[:10]: Returned.parse(value) for name, value in parameters.items()},
            data.get("fresh") is True,
        )

    def require_dict(self) -> None:
        if self.error:
            raise CheckFailed(f"initialize_parameters() raised {explain_error(self.error, HINTS)}")
        if self.kind != "dict":
            raise CheckFailed(
                f"initialize_parameters() returned a {self.kind}; it should return a dict of"
                " tf.Variables with the keys W1, b1, W2, b2, W3, b3."
            )


@dataclass(frozen=True)
class ModelRun:
    case: ModelCase
    error: dict | None
    returned: str
    returned_length: int | None
    parameters: dict[str, Returned | None] | None
    tape_calls: int
    updates: int
    updates_from_tape: int
    optimizers: tuple[str, ...]
    learning_rates: tuple

    @classmethod
    def parse(cls, case: ModelCase, data) -> "ModelRun":
        _check(isinstance(data, dict))
        parameters = data.get("parameters")
        if parameters is not None:
            _check(isinstance(parameters, dict))
            parameters = {str(k)[:10]: Returned.parse(v) for k, v in parameters.items()}
        optimizers = data.get("optimizers") or []
        rates = data.get("learning_rates") or []
        _check(isinstance(optimizers, list) and isinstance(rates, list))
        length = data.get("returned_length")
        return cls(
            case,
            _error(data.get("error")),
            _text(data.get("returned"), 80),
            None if length is None else _int(length),
            parameters,
            _int(data.get("tape_calls")),
            _int(data.get("updates")),
            _int(data.get("updates_from_tape")),
            tuple(_text(o, 400) for o in optimizers[:5]),
            tuple(rates[:5]),
        )

    def call_text(self) -> str:
        case = self.case
        return (
            f"model(...) on {len(case.train_indices)} training and {len(case.test_indices)} test"
            f" images, with learning_rate={case.learning_rate:g}, num_epochs={case.num_epochs},"
            f" minibatch_size={case.minibatch_size}"
        )

    def require_no_error(self) -> None:
        if self.error:
            raise CheckFailed(f"{self.call_text()} raised {explain_error(self.error, HINTS)}")


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
        _check(isinstance(answer, dict))
        return answer

    def _cell_context(self) -> str:
        problems = self._context.get("cell_problems") or []
        if not problems:
            return ""
        return "\nCells that did not run cleanly:\n" + "\n".join(f"- {p}" for p in problems[:3])

    def _runs(self, what: str, name: str, count: int, **args) -> list[Call]:
        runs = self._ask(what, name, **args).get("runs")
        _check(isinstance(runs, list) and len(runs) == count)
        return [Call.parse(run) for run in runs]

    def one_hot(self, cases: tuple[OneHotCase, ...]) -> list[Call]:
        args = [case.args() for case in cases]
        return self._runs("Calling one_hot_matrix", "one_hot_run", len(cases), cases=args)

    def initialize(self) -> Initialized:
        return Initialized.parse(self._ask("Calling initialize_parameters()", "initialize_run"))

    def forward(self, cases: tuple[ForwardCase, ...]) -> list[Call]:
        args = [case.args() for case in cases]
        return self._runs("Calling forward_propagation", "forward_run", len(cases), cases=args)

    def loss(self, cases: tuple[LossCase, ...]) -> list[Call]:
        args = [case.args() for case in cases]
        return self._runs("Calling compute_total_loss", "loss_run", len(cases), cases=args)

    def model(self, case: ModelCase) -> ModelRun:
        images, labels = load_digits()
        data = self._ask("Calling model", "model_run", **case.args(images, labels))
        return ModelRun.parse(case, data)
