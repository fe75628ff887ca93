"""Part 1: happy_model(), a Sequential binary classifier of 8×8×1 images, compiled by the
notebook with Adam, binary cross-entropy and accuracy."""

from autograder.checks import part, points, require
from autograder.labs.keras_cnn import reference
from autograder.labs.keras_cnn.observations import BINARY_ACCURACY
from autograder.tflab.keras_judging import Compiled, require_layers, require_learns

pytestmark = part("happy_model")

ACCURACY_METRICS = {"accuracy", "acc", "binary_accuracy"}


@points(2.0)
def check_layers_in_order(lab, hidden):
    """happy_model: its layers in order, with their settings, output shapes and parameters"""
    model = lab.model("happy_model", [], hidden.seed)
    require_layers(model, reference.happy_model(), "happy_model()")


def _how_compiled(model: Compiled) -> str:
    loss = model.loss.name + (" (from logits)" if model.loss.from_logits else "")
    return f"{model.optimizer}, loss {loss}, metrics {list(model.metrics)}"


@points(1.0)
def check_compiled_for_binary_classification(lab, hidden):
    """happy_model: the notebook compiles it with Adam, binary cross-entropy and accuracy"""
    expected = reference.happy_model()
    # Judged on the compile call alone: a model whose layers are wrong is still compiled
    # right or wrong. The notebook's other model takes the same images, with another loss.
    candidates = [
        model
        for model in (*lab.compiled(), lab.returned_compiled("happy_model", hidden.seed))
        if model is not None and model.input_shape == expected.input_shape
    ]
    require(
        bool(candidates),
        "No compiled model taking 8×8×1 images was found in the notebook: compile the model"
        " happy_model() returns, with"
        " `model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])`.",
    )
    candidates.sort(key=lambda model: model.output_shape != (1,))  # the binary one first
    right = [
        model
        for model in candidates
        if model.optimizer == "Adam"
        and model.loss.name == "binary_crossentropy"
        and not model.loss.from_logits  # the model's sigmoid already gives probabilities
        and ACCURACY_METRICS & set(model.metrics)
    ]
    require(
        bool(right),
        f"The notebook's happy model is compiled with {_how_compiled(candidates[0])};"
        " a binary classifier with a sigmoid output is compiled with the Adam optimizer,"
        " binary cross-entropy (not from logits) and the accuracy metric.",
    )


@points(1.0)
def check_learns_zeros_from_ones(lab, hidden):
    """happy_model: trained on hidden digits 0 and 1, the loss falls and it tells them apart"""
    report = lab.fit("happy_model", [], hidden, binary=True)
    require_learns(report, BINARY_ACCURACY, "happy_model() trained on digits 0 and 1")
