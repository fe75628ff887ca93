"""tf_intro's probes, in the student's process: train_step on the student's own w and
optimizer, reset in place; training on a fresh w and Adam passed as its arguments."""

from contextlib import nullcontext

import numpy as np
import tensorflow as tf

from autograder.sandbox.cells import describe_error
from autograder.tflab.capture import locals_at_return
from autograder.tflab.fast_adam import Adam, install_for_student_code
from autograder.tflab.readers import GUARDED, student_function, value_of  # noqa: F401 - GUARDED
from autograder.tflab.recording import Recording, describe_sources, observing
from autograder.tflab.state import (
    plain_globals,
    reachable,
    reset_optimizer,
    reset_variable,
    substituted,
)

LEARNING_RATE = 0.1


def _the_w(candidates: list, updates) -> tf.Variable:
    """Of the scalar variables train_step reaches, the one it hands the optimizer."""
    handed = [variable for update in updates for _, variable in update.well_formed()]
    return next((v for v in candidates if any(v is h for h in handed)), candidates[0])


def train_step_run(namespace: dict, start: float, steps: int, detail_steps: int) -> dict:
    """The student's own w set to `start` and optimizer to a fresh Adam(0.1) state, wherever
    train_step reaches them; train_step() called `steps` times."""
    train_step = student_function(namespace, "train_step")
    variables, optimizers = reachable(train_step)
    candidates = [v for v in variables if v.shape.rank == 0 and v.dtype.is_floating]
    globals_ = getattr(train_step, "__globals__", namespace)
    # A later cell replaced the notebook's w with a plain value: one of the probe's stands in
    names = [] if candidates else plain_globals(train_step, globals_)
    own = {name: tf.Variable(start, dtype=tf.float32) for name in names}
    # Reaching no variable at all (a stub, a w made anew inside), it is watched against one
    # it never touches: w does not move, and what it did reach is still recorded
    candidates = candidates or list(own.values()) or [tf.Variable(start, dtype=tf.float32)]
    with substituted(globals_, own):
        return _run(train_step, candidates, optimizers, start, steps, detail_steps)


def _run(train_step, candidates, optimizers, start: float, steps: int, detail_steps: int) -> dict:
    for variable in candidates:
        reset_variable(variable, start)
    for optimizer in optimizers:
        reset_optimizer(optimizer, LEARNING_RATE)
    w, path, error, local, details = candidates[0], [], None, {}, []
    # Only the first steps are described: room for a few tape calls and updates in each
    with observing(Recording(limit=10 * detail_steps)) as recording:
        for step in range(steps):
            tapes, updates = recording.mark()
            try:
                # Locals are captured on the first call only: the profiler slows every call
                with locals_at_return(train_step, local) if step == 0 else nullcontext():
                    train_step()
            except Exception as failure:  # noqa: BLE001 - the student's error is the observation
                error = describe_error(failure)
            if step == 0:
                w = _the_w(candidates, recording.updates)
            if step < detail_steps:
                calls = recording.tape_calls[tapes:]
                details.append(
                    {
                        "tape_calls": len(calls),
                        "sources": calls[0].describe_sources(w) if calls else None,
                        "pairs": recording.describe_pairs(
                            recording.updates[updates:], w, optimizers
                        ),
                    }
                )
            if error:
                break
            path.append(value_of(w))
    built = local.get("trainable_variables")
    return {
        "path": path,
        "error": error,
        "steps": details,
        "local_trainable_variables": None if built is None else describe_sources(built, w),
    }


def training_run(namespace: dict, coefficients: list[float], start: float) -> dict:
    """training(x, w, optimizer) with x = coefficients, a fresh w and a fresh Adam(0.1)."""
    training = student_function(namespace, "training")
    w = tf.Variable(start, dtype=tf.float32)
    optimizer = Adam(LEARNING_RATE)
    returned, error = None, None
    with observing(Recording()) as recording:
        try:
            returned = training(np.array(coefficients, dtype=np.float32), w, optimizer)
        except Exception as failure:  # noqa: BLE001
            error = describe_error(failure)
    given = [u for u in recording.updates if u.optimizer is optimizer]
    return {
        "error": error,
        "returned_is_w": returned is w,
        "returned_type": type(returned).__name__,
        "w_final": value_of(w),
        "updates": len(given),
        "other_updates": recording.update_count - len(given),
        "pairs": recording.describe_pairs(given, w, [optimizer]),
    }


PROBES = {"train_step_run": train_step_run, "training_run": training_run}


def before_student_code(gpu: bool) -> None:
    """On CPU the notebook's own Adam is the toolkit's bit-identical, faster one."""
    if not gpu:
        install_for_student_code()
