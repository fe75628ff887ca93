"""Runs the same updates through tf_keras's Adam and the grader's Adam; prints JSON.

Run in its own process by tests/test_probe_adam.py, so the test process never runs a
TensorFlow op.
"""

import json
import math
import os
import warnings

os.environ.update({"TF_USE_LEGACY_KERAS": "1", "CUDA_VISIBLE_DEVICES": "-1"})
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

from autograder.tflab.fast_adam import Adam  # noqa: E402


def bits(value) -> str:
    return np.float32(value).tobytes().hex()


def tape_step(optimizer, variables, cost):
    with tf.GradientTape() as tape:
        value = cost()
    gradients = tape.gradient(value, variables)
    optimizer.apply_gradients(zip(gradients, variables, strict=True))


def scenario(name: str, optimizer_class) -> tuple[dict, object]:
    """A run as a student's code could drive it; returns every value it observed, and the
    optimizer it drove."""
    rng = np.random.default_rng(7)
    w = tf.Variable(np.float32(rng.uniform(-20, 20)), dtype=tf.float32)
    u = tf.Variable(1.5, dtype=tf.float32)
    optimizer = optimizer_class(0.1)
    seen, error = [], None
    a, b = np.float32(rng.uniform(0.1, 50)), np.float32(rng.uniform(-100, 100))
    try:
        for step in range(300 if name != "lab" else 1000):
            if name == "lab":
                tape_step(optimizer, [w], lambda: w**2 - 10 * w + 25)
            elif name == "wiggly":  # arbitrary gradients, both signs, large and tiny
                tape_step(optimizer, [w], lambda s=step: a * w**2 + b * w + tf.sin(w * s) * 1e3)
            elif name == "minimize":
                x = np.array([a, b, 3.0], dtype=np.float32)
                optimizer.minimize(lambda x=x: x[0] * w**2 + x[1] * w + x[2], [w])
            elif name == "two_variables":
                tape_step(optimizer, [w, u], lambda: (w - 2 * u) ** 2 + u**2)
            elif name == "changed_mid_run":
                if step == 100:
                    optimizer.learning_rate = 0.01
                if step == 150:
                    w.assign(3.0)
                tape_step(optimizer, [w], lambda: w**2 - 10 * w + 25)
            elif name == "back_and_forth":  # tf_keras's path, read-outs and the short path
                if step % 50 == 10:  # a None gradient beside w's: tf_keras's own path
                    with tf.GradientTape() as tape:
                        cost = w**2 - 10 * w + 25
                    pairs = [(tape.gradient(cost, w), w), (None, u)]
                    optimizer.apply_gradients(pairs)
                else:
                    tape_step(optimizer, [w], lambda: w**2 - 10 * w + 25)
                if step % 50 == 30:
                    seen.append([bits(slot.numpy()) for slot in optimizer.variables])
            elif name == "new_variable_later":
                target = w if step < 5 else tf.Variable(2.0)
                tape_step(optimizer, [target], lambda t=target: t**2)
            elif name == "missing_gradient":
                constant = w**2  # computed outside the tape: no gradient
                with tf.GradientTape() as tape:
                    cost = constant + 0.0
                optimizer.apply_gradients(zip(tape.gradient(cost, [w]), [w], strict=True))
            seen.append([bits(w.numpy()), bits(u.numpy())])
    except Exception as failure:  # noqa: BLE001 - the error is part of what must match
        error = f"{type(failure).__name__}: {failure}"
    slots = [bits(variable.numpy()) for variable in optimizer.variables]
    observed = {
        "seen": seen,
        "error": error,
        "iterations": int(optimizer.iterations.numpy()),
        "slots": slots,
        "finite": all(
            math.isfinite(float(np.frombuffer(bytes.fromhex(s), np.float32)[0])) for s in slots
        ),
    }
    return observed, optimizer


def compare(name: str) -> dict:
    keras, _ = scenario(name, tf_keras.optimizers.Adam)
    # the class student code and probes get, named Adam like tf_keras's
    scalar, optimizer = scenario(name, Adam)
    # Kept apart from what the two runs observed, which must be equal.
    return {"keras": keras, "scalar": scalar, "short_path_updates": optimizer.short_path_updates}


SCENARIOS = (
    "lab",
    "wiggly",
    "minimize",
    "two_variables",
    "changed_mid_run",
    "back_and_forth",
    "new_variable_later",
    "missing_gradient",
)

if __name__ == "__main__":
    warnings.simplefilter("ignore")
    report = {name: compare(name) for name in SCENARIOS}
    print(json.dumps(report))
