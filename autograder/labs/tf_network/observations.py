"""tf_network's view of its probes' answers, checked field by field (autograder.tflab.parsing)."""

from dataclasses import dataclass

from autograder.checks import CheckFailed
from autograder.labs.tf_network.dataset import load_digits
from autograder.labs.tf_network.hidden_inputs import ForwardCase, LossCase, ModelCase, OneHotCase
from autograder.labs.tf_network.hints import HINTS
from autograder.tflab import observer
from autograder.tflab.observer import Call, Returned, Training
from autograder.tflab.parsing import StudentError, parse


@dataclass(frozen=True)
class Initialized:
    error: StudentError | None
    kind: str | None
    parameters: dict[str, Returned]
    keys: tuple[str, ...] = ()
    fresh: bool = False

    def require_dict(self) -> None:
        if self.error:
            raise CheckFailed(f"initialize_parameters() raised {Observer.explain(self.error)}")
        if self.kind != "dict":
            raise CheckFailed(
                f"initialize_parameters() returned a {self.kind}; it should return a dict of"
                " tf.Variables with the keys W1, b1, W2, b2, W3, b3."
            )


@dataclass(frozen=True)
class ModelRun:
    case: ModelCase
    error: StudentError | None
    returned: str
    returned_length: int | None
    parameters: dict[str, Returned] | None
    training: Training

    def call_text(self) -> str:
        case = self.case
        return (
            f"model(...) on {len(case.train_indices)} training and {len(case.test_indices)} test"
            f" images, with learning_rate={case.learning_rate:g}, num_epochs={case.num_epochs},"
            f" minibatch_size={case.minibatch_size}"
        )

    def require_no_error(self) -> None:
        if self.error:
            raise CheckFailed(f"{self.call_text()} raised {Observer.explain(self.error)}")


class Observer(observer.Observer):
    HINTS = HINTS

    def one_hot(self, cases: tuple[OneHotCase, ...]) -> list[Call]:
        return self.calls("one_hot_matrix", [case.args() for case in cases])

    def initialize(self) -> Initialized:
        return parse(Initialized, self.ask("Calling initialize_parameters()", "initialize_run"))

    def forward(self, cases: tuple[ForwardCase, ...]) -> list[Call]:
        return self.calls("forward_propagation", [case.args() for case in cases])

    def loss(self, cases: tuple[LossCase, ...]) -> list[Call]:
        return self.calls("compute_total_loss", [case.args() for case in cases])

    def model(self, case: ModelCase) -> ModelRun:
        data = self.ask("Calling model", "model_run", **case.args(*load_digits()))
        return parse(ModelRun, data, case=case)
