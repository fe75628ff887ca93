"""Judging Keras models, in the grader's process: the layers a lab expects, worked out from
an input shape without TensorFlow, compared with what the student's model has.

The student's side (`keras_models`) sends each layer in a canonical form: type, output
shape without the batch dimension, parameter count, settings, with every activation as
its own `Activation` layer. `Expected` builds the same form for a lab's reference, layer
by layer, with Keras' shape and parameter arithmetic; `require_layers` names the first
layer that differs, and how.
"""

import math
from dataclasses import dataclass, field

from autograder.checks import CheckFailed, require
from autograder.tflab.parsing import expect

MAX_SETTING_ITEMS = 8


def setting_text(value) -> str:
    """A setting as the feedback writes it: (7, 7), 'same', 32."""
    if isinstance(value, list | tuple):
        return "(" + ", ".join(setting_text(item) for item in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)


class Setting(str):
    """A layer's setting as sent (a number, a string or a short list), as text."""

    @classmethod
    def from_json(cls, value) -> "Setting":
        def plain(item, depth=0) -> bool:
            if isinstance(item, list):
                return (
                    depth < 2
                    and len(item) <= MAX_SETTING_ITEMS
                    and all(plain(inner, depth + 1) for inner in item)
                )
            return item is None or isinstance(item, int | float | str)

        expect(plain(value))
        return cls(setting_text(value)[:200])


@dataclass(frozen=True)
class Layer:
    type: str
    output_shape: tuple[int | None, ...] | None
    params: int
    settings: dict[str, Setting] = field(default_factory=dict)

    def text(self) -> str:
        settings = ", ".join(f"{name}={value}" for name, value in self.settings.items())
        if self.type == "Activation":
            return f"Activation({self.settings.get('activation', '?')})"
        return f"{self.type}({settings})"

    def shape_text(self) -> str:
        return setting_text(list(self.output_shape or ()))


@dataclass(frozen=True)
class ModelDescription:
    model_type: str
    input_shape: tuple[int | None, ...] | None
    layers: tuple[Layer, ...] | None


@dataclass(frozen=True)
class Loss:
    name: str
    from_logits: bool


@dataclass(frozen=True)
class Compiled:
    optimizer: str
    loss: Loss
    metrics: tuple[str, ...]
    input_shape: tuple[int | None, ...] | None
    output_shape: tuple[int | None, ...] | None


@dataclass(frozen=True)
class FitReport:
    losses: tuple[float | None, ...]
    accuracy: float


class Expected:
    """A reference model written layer by layer from its input shape, as Keras builds it."""

    def __init__(self, input_shape: tuple[int, ...]):
        self.input_shape = self.shape = tuple(input_shape)
        self.layers: list[Layer] = []

    def _add(self, kind: str, shape: tuple, params: int = 0, **settings) -> "Expected":
        self.shape = tuple(shape)
        texts = {name: Setting(setting_text(value)) for name, value in settings.items()}
        self.layers.append(Layer(kind, self.shape, params, texts))
        return self

    def zero_padding(self, pad: int) -> "Expected":
        height, width, channels = self.shape
        padding = [[pad, pad], [pad, pad]]
        return self._add("ZeroPadding2D", (height + 2 * pad, width + 2 * pad, channels),
                         padding=padding)  # fmt: skip

    def conv(self, filters: int, kernel: int, stride: int = 1, padding: str = "valid"):
        height, width, channels = self.shape
        shape = (_out(height, kernel, stride, padding), _out(width, kernel, stride, padding))
        params = (kernel * kernel * channels + 1) * filters
        return self._add("Conv2D", (*shape, filters), params, filters=filters,
                         kernel_size=[kernel, kernel], strides=[stride, stride],
                         padding=padding)  # fmt: skip

    def max_pool(self, pool: int = 2, stride: int | None = None, padding: str = "valid"):
        height, width, channels = self.shape
        stride = stride or pool
        shape = (_out(height, pool, stride, padding), _out(width, pool, stride, padding))
        return self._add("MaxPooling2D", (*shape, channels), pool_size=[pool, pool],
                         strides=[stride, stride], padding=padding)  # fmt: skip

    def batch_norm(self, axis: int) -> "Expected":
        return self._add("BatchNormalization", self.shape, 4 * self.shape[-1], axis=[axis])

    def activation(self, name: str) -> "Expected":
        return self._add("Activation", self.shape, activation=name)

    def flatten(self) -> "Expected":
        return self._add("Flatten", (math.prod(self.shape),))

    def dense(self, units: int) -> "Expected":
        return self._add("Dense", (units,), (self.shape[-1] + 1) * units, units=units)


def _out(size: int, window: int, stride: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(size / stride)
    return (size - window) // stride + 1


def require_model(model: ModelDescription, what: str) -> tuple[Layer, ...]:
    require(
        model.layers is not None,
        f"{what} returned a {model.model_type}, not a Keras model (tf.keras.Sequential or"
        " tf.keras.Model).",
    )
    return model.layers


def require_layers(model: ModelDescription, expected: Expected, what: str) -> None:
    """The model's layers are the expected ones in order: type, settings, output shape and
    parameter count; otherwise the first layer that differs is named."""
    layers = require_model(model, what)
    if model.input_shape is not None:
        require(
            tuple(model.input_shape) == expected.input_shape,
            f"{what}: the model's input shape is {setting_text(list(model.input_shape))},"
            f" not {setting_text(list(expected.input_shape))}.",
        )
    for number, (got, want) in enumerate(zip(layers, expected.layers, strict=False), start=1):
        _require_same_layer(number, got, want, what)
    if len(layers) != len(expected.layers):
        more = len(layers) > len(expected.layers)
        extra = layers[len(expected.layers)] if more else expected.layers[len(layers)]
        raise CheckFailed(
            f"{what}: the model has {len(layers)} layers, counting each activation as one;"
            f" {len(expected.layers)} were expected. "
            + (f"Layer {len(expected.layers) + 1}, {extra.text()}, is one too many."
               if more else f"It ends before layer {len(layers) + 1}, {extra.text()}.")
        )  # fmt: skip


def require_shapes(model: ModelDescription, expected: Expected, what: str) -> None:
    """The model takes the expected input shape and each layer's output has the expected
    shape for it. Only shapes: activations (which keep the shape) are left out, so a design
    mistake that keeps every shape is judged by `require_layers` alone."""
    layers = require_model(model, what)
    wanted = tuple(expected.input_shape)
    got = tuple(model.input_shape or ())
    require(
        got == wanted,
        f"{what}: the model's input shape is {setting_text(list(got))}, not"
        f" {setting_text(list(wanted))}: build it from input_shape.",
    )
    shaped = [layer for layer in layers if layer.type != "Activation"]
    reference = [layer for layer in expected.layers if layer.type != "Activation"]
    for number, (mine, want) in enumerate(zip(shaped, reference, strict=False), start=1):
        require(
            mine.output_shape is not None and tuple(mine.output_shape) == want.output_shape,
            f"{what}: layer {number} (not counting activations), {mine.text()}, gives shape"
            f" {mine.shape_text()}; {want.shape_text()} was expected, after {want.text()}.",
        )
    require(
        len(shaped) == len(reference),
        f"{what}: the model has {len(shaped)} layers besides its activations;"
        f" {len(reference)} were expected.",
    )


def _require_same_layer(number: int, got: Layer, want: Layer, what: str) -> None:
    where = f"{what}: layer {number}"
    require(
        got.type == want.type,
        f"{where} should be {want.text()}, but it is {got.text()}." + _activation_note(got, want),
    )
    for name, value in want.settings.items():
        require(
            got.settings.get(name) == value,
            f"{where}, {want.type}, should have {name}={value}, not"
            f" {name}={got.settings.get(name, 'unset')}.",
        )
    require(
        got.output_shape is not None and tuple(got.output_shape) == want.output_shape,
        f"{where}, {want.text()}, gives shape {got.shape_text()}; {want.shape_text()} was"
        " expected (check the layers before it).",
    )
    require(
        got.params == want.params,
        f"{where}, {want.text()}, has {got.params:,} parameters; {want.params:,} were expected.",
    )


def _activation_note(got: Layer, want: Layer) -> str:
    if want.type == "Activation" and got.type != "Activation":
        return " An activation is missing here (as a layer, or as the activation= argument)."
    if got.type == "Activation" and want.type != "Activation":
        return " This activation is not in the lab's design."
    return ""


def require_learns(report: FitReport, min_accuracy: float, what: str) -> None:
    """Training lowered the loss and reached `min_accuracy` on held-out images."""
    losses = [loss for loss in report.losses if loss is not None]
    require(
        len(losses) == len(report.losses) and len(losses) >= 2,
        f"{what}: the loss was not a number during training ({report.losses}).",
    )
    require(
        losses[-1] < losses[0],
        f"{what}: the loss did not fall ({losses[0]:.4f} in the first epoch, {losses[-1]:.4f}"
        " in the last).",
    )
    require(
        report.accuracy >= min_accuracy,
        f"{what}: the trained model classified {report.accuracy:.1%} of held-out images"
        f" correctly; a model of the lab's design reaches {min_accuracy:.0%} on every draw.",
    )
