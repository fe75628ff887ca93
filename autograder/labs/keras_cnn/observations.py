"""keras_cnn's view of its probes' answers, checked field by field (autograder.tflab.parsing)."""

from dataclasses import dataclass

from autograder.checks import CheckFailed
from autograder.labs.keras_cnn.hidden_inputs import HiddenInputs, Split
from autograder.labs.keras_cnn.hints import HINTS
from autograder.tflab import observer
from autograder.tflab.keras_judging import Compiled, FitReport, ModelDescription
from autograder.tflab.parsing import StudentError, expect, parse

# Epochs of the grader's training, and the held-out accuracy a model of the lab's design
# reaches on every hidden draw tried (bench/keras_cnn_bounds.py)
BINARY_EPOCHS, BINARY_ACCURACY = 3, 0.9
MULTICLASS_EPOCHS, MULTICLASS_ACCURACY = 20, 0.75


@dataclass(frozen=True)
class ModelRun:
    error: StudentError | None
    model: ModelDescription | None
    compiled: Compiled | None


@dataclass(frozen=True)
class FitRun:
    error: StudentError | None
    report: FitReport | None


class Observer(observer.Observer):
    HINTS = HINTS

    def model(self, function: str, args: list, seed: int) -> ModelDescription:
        """The model function(*args) builds; the check fails if it raises."""
        what = f"Calling {_call_text(function, args)}"
        run = parse(ModelRun, self.ask(what, "model_run", function=function, args=args,
                                       seed=seed))  # fmt: skip
        if run.error:
            raise CheckFailed(f"{what} raised {self.explain(run.error)}")
        return run.model

    def returned_compiled(self, function: str, seed: int) -> Compiled | None:
        run = parse(ModelRun, self.ask(f"Calling {function}()", "model_run", function=function,
                                       args=[], seed=seed))  # fmt: skip
        return run.compiled

    def compiled(self) -> tuple[Compiled, ...]:
        data = self.ask("Reading the notebook's compiled models", "compiled_run")
        return tuple(parse(Compiled, model) for model in _list(data.get("models")))

    def fit(self, function: str, args: list, hidden: HiddenInputs, binary: bool) -> FitReport:
        split: Split = hidden.binary if binary else hidden.multiclass
        epochs = BINARY_EPOCHS if binary else MULTICLASS_EPOCHS
        what = f"Training a fresh {_call_text(function, args)} for {epochs} epochs"
        data = self.ask(
            what, "fit_run", function=function, args=args, seed=hidden.seed,
            train=split.train, test=split.test, binary=binary, epochs=epochs,
        )  # fmt: skip
        run = parse(FitRun, data)
        if run.error:
            raise CheckFailed(f"{what} raised {self.explain(run.error)}")
        return run.report


def _list(value) -> list:
    expect(isinstance(value, list) and len(value) <= 100)
    return value


def _call_text(function: str, args: list) -> str:
    return f"{function}({', '.join(str(tuple(a)) for a in args)})"
