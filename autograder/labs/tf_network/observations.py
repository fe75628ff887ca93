"""tf_network's view of its probes' answers, checked field by field (autograder.tflab.parsing)."""

from autograder.labs.tf_network.hidden_inputs import ModelCase
from autograder.labs.tf_network.hints import HINTS
from autograder.tflab import observer
from autograder.tflab.observer import Call, Run
from autograder.tflab.parsing import parse


class Observer(observer.Observer):
    HINTS = HINTS

    def initialize(self) -> Call:
        return self.calls("initialize_parameters", [{"args": []}])[0]

    def model(self, case: ModelCase) -> Run:
        data = self.ask("Calling model", "model_run", **case.args())
        return parse(Run, data, call_text=case.call_text(), hints=self.HINTS)
