"""Recording what a student's code asks of TensorFlow while a probe observes it.

Two things are recorded: each `GradientTape.gradient` call (its sources and the tensors
it returned) and each optimizer's `apply_gradients` call, with every (gradient,
variable) pair. The tape's own class is patched, not replaced, so every tape is seen
however the notebook reaches it (`tf.GradientTape`, an alias, Keras's `minimize`). Every
library optimizer class is patched, so an optimizer the student built is seen too.
"""

import contextlib
from dataclasses import dataclass

import tensorflow as tf

from autograder.tflab.readers import OPTIMIZER_BASES, as_array, quiet, value_of

_gradient = vars(tf.GradientTape)["gradient"]
_run_functions_eagerly = tf.config.run_functions_eagerly
_functions_run_eagerly = tf.config.functions_run_eagerly


@dataclass
class TapeCall:
    sources: object  # what the student passed to tape.gradient, as passed
    result: list  # the tensors it returned, flattened

    def describe_sources(self, target) -> dict:
        """Plain data (autograder.tflab.observer.Sources): a list, tuple or other sequence
        and which of its items are `target`, or a single variable and whether it is."""
        return describe_sources(self.sources, target)


def describe_sources(sources, target) -> dict:
    if isinstance(sources, list | tuple):
        kind = type(sources).__name__ if type(sources) in (list, tuple) else "sequence"
        return {"kind": kind, "holds_target": [item is target for item in sources]}
    kind = "variable" if isinstance(sources, tf.Variable) else "other"
    return {"kind": kind, "holds_target": [sources is target]}


@dataclass
class Update:
    optimizer: object
    pairs: list  # what the student handed over, item by item (normally (gradient, variable))
    values: list  # each well-formed pair's variable's value (numpy) when it was handed over

    def well_formed(self) -> list[tuple]:
        """The (gradient, variable) pairs whose variable is a tf.Variable."""
        return [
            pair
            for pair in self.pairs
            if isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], tf.Variable)
        ]


class Recording:
    """Tape calls and optimizer updates, in order. Past `limit` of each, updates are only
    counted: a probe that reads the first steps in detail sets it, and saves the time."""

    def __init__(self, limit: int = 100_000, values: bool = True):
        self.tape_calls: list[TapeCall] = []
        self.updates: list[Update] = []
        self.update_count = 0
        self.limit = limit
        self.values = values  # keep each pair's variable value at hand-over (describe_pairs)
        self._tape_tensors: dict[int, object] = {}  # held, so that their ids stay unique

    def on_tape_gradient(self, sources, result) -> None:
        if len(self.tape_calls) < self.limit:  # past the limit, nothing more is kept
            flat = tf.nest.flatten(result)
            self._tape_tensors.update((id(t), t) for t in flat if t is not None)
            self.tape_calls.append(TapeCall(sources, flat))

    def on_apply(self, optimizer, pairs: list) -> None:
        self.update_count += 1
        if len(self.updates) < self.limit:
            update = Update(optimizer, pairs, [])
            if self.values:
                update.values = [as_array(variable) for _, variable in update.well_formed()]
            self.updates.append(update)

    def from_tape(self, gradient) -> bool:
        """True if `gradient` is one of the very tensors a tape.gradient call returned."""
        return gradient is not None and self._tape_tensors.get(id(gradient)) is gradient

    def describe_pairs(self, updates: list[Update], target=None, given=()) -> list[dict]:
        """Each well-formed pair of `updates` as plain data (autograder.tflab.observer.Pair):
        its gradient (one number, else None), whether its variable is `target`, the
        variable's value when handed over, whether the gradient is one a tape returned, and
        whether one of the `given` optimizers applied it."""
        return [
            {
                "gradient": value_of(gradient),
                "variable_is_target": variable is target,
                "variable_value": value_of(value),
                "from_tape": self.from_tape(gradient),
                "given_optimizer": any(update.optimizer is o for o in given),
            }
            for update in updates
            for (gradient, variable), value in zip(update.well_formed(), update.values, strict=True)
        ]

    def mark(self) -> tuple[int, int]:
        """Where the recording is now: slice tape_calls and updates from here for one step."""
        return len(self.tape_calls), len(self.updates)


def _library_optimizer_classes() -> list[type]:
    """tf_keras's optimizer classes, and the grader's own, that define apply_gradients.

    A class the student wrote is left alone: if its apply_gradients reaches a library
    one, that call is recorded; if it never does, nothing reached an optimizer.
    """
    found, frontier = [], [*OPTIMIZER_BASES, *OPTIMIZER_BASES[0].__mro__]
    while frontier:
        cls = frontier.pop()
        if cls in found or not cls.__module__.startswith(("tf_keras.", "autograder.")):
            continue
        found.append(cls)
        frontier += cls.__subclasses__()
    return [cls for cls in found if "apply_gradients" in vars(cls)]


@contextlib.contextmanager
def recording(into: Recording):
    """Every tape and every library optimizer report to `into`; only the outermost
    apply_gradients counts (a subclass calling its base's is one update, not two)."""

    def gradient(self, target, sources, *args, **kwargs):
        result = _gradient(self, target, sources, *args, **kwargs)
        into.on_tape_gradient(sources, result)
        return result

    originals = {cls: vars(cls)["apply_gradients"] for cls in _library_optimizer_classes()}
    depth = [0]

    def recorded(original):
        def apply_gradients(self, grads_and_vars, *args, **kwargs):
            if depth[0]:
                return original(self, grads_and_vars, *args, **kwargs)
            pairs = list(grads_and_vars)
            into.on_apply(self, pairs)
            depth[0] += 1
            try:
                return original(self, pairs, *args, **kwargs)
            finally:
                depth[0] -= 1

        return apply_gradients

    tf.GradientTape.gradient = gradient
    for cls, original in originals.items():
        cls.apply_gradients = recorded(original)
    try:
        yield into
    finally:
        tf.GradientTape.gradient = _gradient
        for cls, original in originals.items():
            cls.apply_gradients = original


@contextlib.contextmanager
def functions_run_eagerly():
    """tf.function bodies run as Python while a probe observes them.

    A traced function calls the optimizer and the tape from Python only while tracing;
    after that its graph updates variables without any call a probe could see. Eagerly,
    every call is seen, and the values are the same.
    """
    previous = _functions_run_eagerly()
    _run_functions_eagerly(True)
    try:
        yield
    finally:
        _run_functions_eagerly(previous)


@contextlib.contextmanager
def observing(into: Recording):
    """Recording, eager functions and the student's prints discarded: a probe's usual frame."""
    with recording(into), functions_run_eagerly(), quiet():
        yield into
