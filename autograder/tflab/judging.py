"""Judging what a student's function returned, with feedback that says what was observed,
what was expected, and the likely cause. Grader side; numpy only.

Most functions of a lab are judged the same three ways: the values on the grader's inputs
(compared with a reference, and with the values of known mistakes, to name the likely
one), the kind, dtype and shape of the result, and whether gradients flow through it.
"""

import numpy as np

from autograder.checks import CheckFailed, require
from autograder.tflab.observer import Call, Returned, Training, close


def all_close(got: np.ndarray, expected: np.ndarray, relative: float) -> bool:
    """Same shape, every value within `relative` of the largest expected magnitude (at
    least 1), none missing or non-finite."""
    scale = relative * max(1.0, float(np.abs(expected).max(initial=0.0)))
    return got.shape == expected.shape and bool(np.all(np.abs(got - expected) <= scale))


def show(values: np.ndarray) -> str:
    """A few values in full; a big array by its first value."""
    if values.size <= 12:
        return str(np.round(values, 6).tolist())
    return f"an array whose {list(np.zeros(values.ndim, int))} value is {values.flat[0]:.6g}"


def _aligned(values: np.ndarray, shape: tuple) -> np.ndarray:
    """The same numbers laid out as expected: transposed (a 2-D result the other way round)
    or reshaped (extra or missing axes of length 1); the shape is judged by its own check."""
    if values.shape == shape or values.size != int(np.prod(shape)):
        return values
    return values.T if values.ndim == 2 and values.T.shape == shape else values.reshape(shape)


def require_values(
    call: Call,
    call_text: str,
    expected: np.ndarray,
    what: str,
    relative: float = 1e-4,
    causes: tuple[tuple[np.ndarray, str], ...] = (),
    size_hint: str = "",
) -> Returned:
    """The values `call` returned are `expected`; else a failure naming the first of the
    `causes` (values a known mistake gives, and the sentence that explains it) that
    matches. `what` names the expected value for the student ("Z3", "the total loss")."""
    got = call.require_result(call_text)
    values = _aligned(got.values, expected.shape)
    if values.shape != expected.shape:
        raise CheckFailed(
            f"{call_text} returned {got.describe()}; {what} has shape {expected.shape}.{size_hint}"
        )
    if all_close(values, expected, relative):
        return got
    why = next(
        (" " + why for values_of, why in causes if all_close(values, values_of, relative)), ""
    )
    raise CheckFailed(f"{call_text} returned {show(values)}; {what} is {show(expected)}.{why}")


def require_tensor(
    call: Call, call_text: str, shape: tuple[int, ...], advice: str = "", dtype: str = "float32"
) -> Returned:
    """`call` returned a tensor (or variable) of `dtype` and `shape`."""
    got = call.require_result(call_text)
    require(
        got.is_tensor(dtype),
        f"{call_text} returned {got.describe()}; it should be a {dtype} tensor.{advice}",
    )
    require(
        got.shape == shape,
        f"{call_text} returned a tensor of shape {got.shape}; it should be {shape}.{advice}",
    )
    return got


def require_gradient_flow(call: Call, call_text: str, what: str, index: int = 0) -> None:
    """The gradient of the output reached every variable of the index-th requested dict."""
    call.require_result(call_text)
    missed = call.not_reached(index)
    require(
        not missed,
        f"In {call_text}, no gradient of {what} reaches {', '.join(missed)}: compute it with"
        " TensorFlow operations on the variables themselves (not numpy, not .numpy(), not"
        " tf.constant of a result, not tf.stop_gradient), so that training can learn them.",
    )


def require_tape_gradients(training: Training, call_text: str) -> None:
    """Every optimizer update applied exactly the gradients tape.gradient returned."""
    require(
        training.tape_calls > 0,
        f"{call_text} never called tape.gradient: compute the gradients with tf.GradientTape.",
    )
    require(training.updates > 0, f"{call_text} never called optimizer.apply_gradients.")
    require(
        training.updates_from_tape == training.updates,
        f"In {call_text}, {training.updates - training.updates_from_tape} of {training.updates}"
        " optimizer updates were not given the gradients tape.gradient returned: pass"
        " zip(grads, variables) to optimizer.apply_gradients.",
    )


def require_all_trained(training: Training, call_text: str, names, advice: str) -> None:
    """Each named variable changed, through optimizer updates with the tape's gradients."""
    require(bool(training.trained), f"In {call_text}, the variables could not be followed.")
    untrained = [
        name
        for name in names
        if name not in training.trained
        or not training.trained[name].tape_updates
        or not training.trained[name].change
    ]
    require(
        not untrained,
        f"In {call_text}, {', '.join(untrained)} never changed through an optimizer update with"
        f" the tape's gradients. {advice}",
    )


def require_optimizer(training: Training, call_text: str, kind: str, learning_rate: float) -> None:
    """The updates were made by an optimizer of class `kind` with `learning_rate`."""
    require(training.updates > 0, f"{call_text} never updated anything with an optimizer.")
    for classes in training.optimizers:
        require(
            kind in classes.split(","),
            f"{call_text} used the optimizer {classes.split(',')[0]}; the lab asks for {kind}.",
        )
    for rate in training.learning_rates:
        require(
            rate is not None and abs(rate - learning_rate) <= 1e-6 * learning_rate,
            f"{call_text} used the learning rate {rate}; use the learning_rate argument"
            f" ({learning_rate:g}).",
        )


def require_parameters(
    got: Returned, owner: str, shapes: dict[str, tuple], variables: bool = False
) -> dict[str, np.ndarray]:
    """A returned dict that holds each named parameter, float32 and of its shape (and a
    tf.Variable if `variables`): their values, by name. `owner` says whose dict it is."""
    kind = "tf.Variables" if variables else "tensors"
    keys = ", ".join(shapes)
    require(
        got.kind == "dict" and got.items is not None,
        f"{owner} is {got.describe()}; it should be a dict of {kind} with the keys {keys}.",
    )
    values = {}
    for name, shape in shapes.items():
        item = got.items.get(name)
        require(item is not None, f"{owner} has no {name!r}: its keys are {list(got.items)}.")
        require(
            not variables or item.kind == "Variable",
            f"{owner}[{name!r}] is {item.describe()}: make it a tf.Variable, so that"
            " GradientTape can train it.",
        )
        require(
            item.shape == shape and item.dtype == "float32" and item.values is not None,
            f"{owner}[{name!r}] is {item.describe()}; it should be float32, of shape {shape}.",
        )
        values[name] = item.values
    return values


def require_gradients(
    pairs, gradient, formula: str, where: str = "", advice: str = "", relative: float = 1e-5
) -> None:
    """Each pair (observer.Pair) carries `gradient(value)` at its variable's value when it
    was handed over. A failure names the first wrong one, and says when every gradient is
    the same multiple of the right one: the signature of a cost scaled by a constant."""
    ratios = [
        p.gradient / gradient(p.variable_value)
        for p in pairs
        if p.gradient is not None and p.variable_value is not None and gradient(p.variable_value)
    ]
    for index, pair in enumerate(pairs, start=1):
        require(pair.variable_value is not None, f"Update {index}{where} had no variable.")
        expected = gradient(pair.variable_value)
        if close(pair.gradient, expected, relative * max(1.0, abs(expected))):
            continue
        scaled = ""
        if ratios and all(close(r, ratios[0], 1e-3 * abs(ratios[0])) for r in ratios):
            scaled = (
                f" Every gradient is {ratios[0]:.4g} times the right one: is the cost scaled by"
                " a constant? Adam nearly hides that in the variable, but not in the gradients."
            )
        raise CheckFailed(
            f"In update {index}{where}, at {pair.variable_value:.6g} the optimizer received the"
            f" gradient {pair.gradient}; {formula} = {expected:.6g}.{scaled}{advice}"
        )
