"""Keras models as plain data, in the student's process: layers, how it is compiled, training.

A model is described as its layers in order, in one canonical form whatever style built
it: Sequential or Functional, `add()` calls or a list, layer names or not,
`tf.keras.layers` or `tf_keras.layers`, and activations as arguments (`Conv2D(...,
activation="relu")`), as layers (`ReLU()`, `Activation("relu")`, `Softmax()`) or as
functions called on a Functional model's tensors (`tf.nn.relu(x)`). An activation is
always its own layer in the description, the input layer is left out, and a model nested
in another is opened up. Each layer is its type, its output shape (without the batch
dimension), its parameter count and the settings a lab judges (`SETTINGS`).
"""

import numpy as np
import tensorflow as tf
import tf_keras
from tf_keras import layers as keras_layers

Model = tf_keras.Model

# The settings of each layer type that describe it, as its config names them
SETTINGS = {
    "Conv2D": ("filters", "kernel_size", "strides", "padding"),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "AveragePooling2D": ("pool_size", "strides", "padding"),
    "ZeroPadding2D": ("padding",),
    "Dense": ("units",),
    "Dropout": ("rate",),
    "BatchNormalization": ("axis",),
}

# TensorFlow functions a Functional model may call on its tensors, as activations
_FUNCTION_ACTIVATIONS = {
    "nn.relu": "relu",
    "math.sigmoid": "sigmoid",
    "nn.sigmoid": "sigmoid",
    "nn.softmax": "softmax",
    "math.softmax": "softmax",
    "math.tanh": "tanh",
    "nn.tanh": "tanh",
}

# Classes whose methods the description relies on: the engine restores them (probes.py
# exports them in GUARDED), so a notebook can't patch what a model reports of itself.
KERAS_GUARDED = (
    tf_keras.Sequential,
    keras_layers.Conv2D,
    keras_layers.Dense,
    keras_layers.BatchNormalization,
    keras_layers.MaxPooling2D,
    keras_layers.ZeroPadding2D,
    keras_layers.Flatten,
    keras_layers.ReLU,
    keras_layers.Softmax,
    keras_layers.Activation,
    keras_layers.InputLayer,
)


def _plain(value):
    """Config values as JSON: tuples and Keras' list wrappers become lists."""
    if isinstance(value, tuple | list) or type(value).__name__ == "ListWrapper":
        return [_plain(item) for item in value]
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _shape(shape) -> list | None:
    if isinstance(shape, list) and len(shape) == 1:  # an input layer's [shape]
        shape = shape[0]
    if not isinstance(shape, tuple):
        return None
    return [None if size is None else int(size) for size in shape[1:]]


def _activation_name(activation) -> str:
    name = activation if isinstance(activation, str) else getattr(activation, "__name__", "")
    return str(name).lower()


def _activation(name: str, output_shape) -> dict:
    return {"type": "Activation", "output_shape": output_shape, "params": 0,
            "settings": {"activation": name}}  # fmt: skip


def _library_class(layer) -> type:
    """The nearest Keras class of a layer: a notebook's subclass that takes a Keras layer's
    name is read as the Keras layer it extends, through that layer's own methods."""
    return next(
        (kind for kind in type(layer).__mro__ if kind.__module__.startswith("tf_keras.")),
        keras_layers.Layer,
    )


def describe_layer(layer, input_rank: int | None = None) -> list[dict]:
    """One layer as one or two canonical entries (the layer, then its activation)."""
    library = _library_class(layer)
    kind = library.__name__
    config = library.get_config(layer)
    output_shape = _shape(keras_layers.Layer.output_shape.fget(layer))
    if kind == "ReLU" and not (config.get("max_value") or config.get("negative_slope")):
        if not config.get("threshold"):
            return [_activation("relu", output_shape)]
    if kind == "Softmax" and _plain(config.get("axis")) in (-1, [-1]):
        return [_activation("softmax", output_shape)]
    if kind == "Activation":
        return [_activation(_activation_name(config.get("activation")), output_shape)]
    if kind == "TFOpLambda" and config.get("function") in _FUNCTION_ACTIVATIONS:
        return [_activation(_FUNCTION_ACTIVATIONS[config["function"]], output_shape)]
    settings = {name: _plain(config.get(name)) for name in SETTINGS.get(kind, ())}
    if kind == "BatchNormalization" and input_rank:  # axis -1 and axis 3 are one axis
        axes = settings["axis"] if isinstance(settings["axis"], list) else [settings["axis"]]
        settings["axis"] = [axis % input_rank if isinstance(axis, int) else axis for axis in axes]
    params = int(keras_layers.Layer.count_params(layer))
    entry = {"type": kind, "output_shape": output_shape, "params": params, "settings": settings}
    activation = _activation_name(config.get("activation", "linear"))
    if activation in ("", "linear", "none"):
        return [entry]
    return [entry, _activation(activation, output_shape)]


def describe_model(model) -> dict:
    """The model's input shape and its layers in canonical form."""
    if not isinstance(model, Model):
        return {"model_type": type(model).__name__, "input_shape": None, "layers": None}
    entries = []
    for layer in _layers(model):
        if isinstance(layer, keras_layers.InputLayer):
            continue
        input_shape = getattr(layer, "input_shape", None)
        rank = len(input_shape) if isinstance(input_shape, tuple) else None
        entries.extend(describe_layer(layer, rank))
    return {
        "model_type": type(model).__name__,
        "input_shape": _shape(getattr(model, "input_shape", None)),
        "layers": entries,
    }


def _layers(model) -> list:
    found = []
    for layer in _library_class(model).layers.fget(model):
        found.extend(_layers(layer) if isinstance(layer, Model) else [layer])
    return found


def _loss_name(loss) -> dict:
    """A compiled loss, however it was given: a name, a function, or a Loss object."""
    from_logits = False
    if isinstance(loss, tf_keras.losses.Loss):
        from_logits = bool(getattr(loss, "_fn_kwargs", {}).get("from_logits", False))
        name = type(loss).__name__
    else:
        name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in str(name)).lstrip("_")
    return {"name": snake.replace("cross_entropy", "crossentropy"), "from_logits": from_logits}


def _metric_names(model) -> list[str]:
    metrics = getattr(getattr(model, "compiled_metrics", None), "_user_metrics", None) or []
    if isinstance(metrics, dict):
        metrics = [m for value in metrics.values() for m in (value if isinstance(value, list)
                   else [value])]  # fmt: skip
    names = []
    for metric in metrics if isinstance(metrics, list | tuple) else [metrics]:
        name = metric if isinstance(metric, str) else getattr(metric, "name", None)
        names.append(str(name or getattr(metric, "__name__", type(metric).__name__)))
    return names


def describe_compiled(model) -> dict | None:
    """How a model was compiled (None if it was not): optimizer, loss and metrics."""
    if not (isinstance(model, Model) and getattr(model, "_is_compiled", False)):
        return None
    return {
        "optimizer": type(model.optimizer).__name__,
        "loss": _loss_name(model.loss),
        "metrics": _metric_names(model),
        "input_shape": _shape(getattr(model, "input_shape", None)),
        "output_shape": _shape(getattr(model, "output_shape", None)),
    }


def compiled_models(namespace: dict) -> list[dict]:
    """Every compiled model the notebook holds, by value, whatever names it has (also in a
    list, tuple or dict); each once."""
    seen, found = set(), []
    candidates = list(namespace.values())
    for value in list(candidates):
        if isinstance(value, list | tuple):
            candidates.extend(value)
        elif isinstance(value, dict):
            candidates.extend(value.values())
    for value in candidates:
        if isinstance(value, Model) and id(value) not in seen:
            seen.add(id(value))
            described = describe_compiled(value)
            if described is not None:
                found.append(described)
    return found


def gives_probabilities(model) -> bool:
    """Whether the model's last layer is a sigmoid or a softmax (else it gives logits)."""
    layers = describe_model(model)["layers"] or [{}]
    return layers[-1].get("settings", {}).get("activation") in ("sigmoid", "softmax")


def fit_report(model, images, labels, binary: bool, epochs: int, seed: int) -> dict:
    """The model compiled by the grader's settings, trained on the given images, and
    judged on the held-out ones: the loss of each epoch and the held-out accuracy.

    Training judges whether the layers can learn. A model that ends without its sigmoid or
    softmax is trained on its logits (the layers' check already costs it the activation):
    read as probabilities, clipped logits would learn on some draws and not others."""
    (train_x, test_x), (train_y, test_y) = images, labels
    logits = not gives_probabilities(model)
    if binary:
        loss = tf_keras.losses.BinaryCrossentropy(from_logits=logits)
        accuracy = tf_keras.metrics.BinaryAccuracy(threshold=0.0 if logits else 0.5)
    else:
        loss = tf_keras.losses.SparseCategoricalCrossentropy(from_logits=logits)
        accuracy = tf_keras.metrics.SparseCategoricalAccuracy()
    model.compile(optimizer=tf_keras.optimizers.Adam(0.01), loss=loss, metrics=[accuracy])
    tf_keras.utils.set_random_seed(seed)
    train = tf.data.Dataset.from_tensor_slices((train_x, train_y)).shuffle(len(train_y), seed=seed)
    history = model.fit(train.batch(32), epochs=epochs, verbose=0)
    _, accuracy = model.evaluate(test_x, test_y, verbose=0)
    losses = [float(value) for value in history.history.get("loss", [])]
    return {"losses": [v if np.isfinite(v) else None for v in losses],
            "accuracy": float(accuracy)}  # fmt: skip
