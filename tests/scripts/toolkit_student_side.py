"""Exercises the toolkit's student side (autograder.tflab) in a fresh process; prints JSON.

Run by tests/test_tflab.py: TensorFlow runs ops here, never in the test process that forks.
"""

import functools
import json
import os
import types

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ["CUDA_VISIBLE_DEVICES"] = "-1"

import tensorflow as tf  # noqa: E402

from autograder.tflab.capture import locals_at_return  # noqa: E402
from autograder.tflab.flow import Updates, gradient_flow  # noqa: E402
from autograder.tflab.recording import Recording, observing  # noqa: E402
from autograder.tflab.state import reachable, reset_optimizer, reset_variable  # noqa: E402

NOTEBOOK = """
import functools
import tensorflow as tf
w = tf.Variable(0.0)
optimizer = tf.keras.optimizers.Adam(0.1)

def by_global():
    optimizer.minimize(lambda: w ** 2, [w])

def by_defaults(var=w, opt=optimizer):
    opt.minimize(lambda: var ** 2, [var])

def factory(var, opt):
    def step():
        opt.minimize(lambda: var ** 2, [var])
    return step
by_closure = factory(w, optimizer)

class Trainer:
    def __init__(self, var, opt):
        self.var, self.opt = var, opt
    def step(self):
        self.opt.minimize(lambda: self.var ** 2, [self.var])
by_method = Trainer(w, optimizer).step

class Holder:
    var, opt = w, optimizer
    @classmethod
    def step(cls):
        cls.opt.minimize(lambda: cls.var ** 2, [cls.var])
by_class_attributes = Holder.step

def _step(var, opt):
    opt.minimize(lambda: var ** 2, [var])
by_partial = functools.partial(_step, w, optimizer)

state = {"var": w, "opt": [optimizer]}
def by_container():
    state["opt"][0].minimize(lambda: state["var"] ** 2, [state["var"]])

weights, adam = w, optimizer
def _helper():
    return weights ** 2
def by_alias_and_helper():
    adam.minimize(_helper, [weights])

by_tf_function = tf.function(by_global)

decoy = tf.Variable(7.0)  # a global that shares its name with an attribute
class Decoyed:
    def __init__(self, var):
        self.decoy = var
    def step(self):
        return self.decoy * 2
"""


def main() -> None:
    namespace = {"__name__": "__main__"}
    exec(compile(NOTEBOOK, "<notebook>", "exec"), namespace)  # noqa: S102
    w, optimizer = namespace["w"], namespace["optimizer"]
    styles = [name for name in namespace if name.startswith("by_")]
    found = {}
    for name in styles:
        variables, optimizers = reachable(namespace[name])
        found[name] = [any(v is w for v in variables), any(o is optimizer for o in optimizers)]

    # In place: an optimizer that trained one variable takes a new one after the reset
    other = tf.Variable(3.0)
    for _ in range(3):
        namespace["by_global"]()
    reset_optimizer(optimizer, 0.1)
    reset_variable(w, 2.5)
    w_after_reset = float(w.numpy())
    same_identity = namespace["optimizer"] is optimizer
    optimizer.minimize(lambda: other**2, [other])
    fresh = int(optimizer.iterations.numpy())

    # Recording: the outermost apply_gradients only, with each pair; the tape's tensors known
    reset_optimizer(optimizer)
    recording = Recording()
    with observing(recording):
        with tf.GradientTape() as tape:
            cost = (w - 1.0) ** 2
        grads = tape.gradient(cost, [w])
        optimizer.apply_gradients(zip(grads, [w], strict=True))
        optimizer.minimize(lambda: w**2, [w])
    pairs = recording.describe_pairs(recording.updates, target=w, given=[optimizer])

    # Locals when the function raises
    def raises():
        chosen = [w]  # noqa: F841 - read by the capture
        raise ValueError("after building the list")

    captured = {}
    try:
        with locals_at_return(raises, captured):
            raises()
    except ValueError:
        pass

    # Gradient flow and updates
    parameters = {"a": tf.Variable(1.0), "b": tf.Variable(2.0), "c": tf.Variable(3.0)}
    reached, _ = gradient_flow(
        lambda p: p["a"] * 2 + tf.constant(p["b"].numpy()) + tf.stop_gradient(p["c"]),
        parameters,
        parameters,
    )
    updates = Updates(parameters)
    parameters["a"].assign_add(0.5)
    print(
        json.dumps(
            {
                "found": found,
                "reset": {
                    "same_identity": same_identity,
                    "iterations_after_one": fresh,
                    "w": w_after_reset,
                },
                "updates": recording.update_count,
                "pairs": pairs,
                "captured": sorted(captured) if captured else None,
                "captured_holds_w": bool(captured) and captured["chosen"][0] is w,
                "reached": reached,
                "changes": updates.changes(),
                "partial": isinstance(namespace["by_partial"], functools.partial),
                "attribute_is_no_global": [
                    v is w for v in reachable(namespace["Decoyed"](w).step)[0]
                ],
                "module_skipped": not any(
                    isinstance(v, types.ModuleType) for v in reachable(namespace["by_global"])[0]
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
