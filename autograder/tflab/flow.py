"""Two properties every gradient-descent lab states, measured on the student's own objects.

- Gradient flow: which of a set of variables receive a gradient (not None) from the output
  of a function. A value computed outside TensorFlow (numpy, `.numpy()`, a constant)
  carries no gradient back, however right its numbers are.
- Updates: which variables a call changed, and by how much (the largest absolute change
  of each), whatever changed them: the lab's optimizer, another one, or an assign.
"""

import numpy as np
import tensorflow as tf

from autograder.tflab.readers import as_array, quiet, value_of
from autograder.tflab.recording import Recording, functions_run_eagerly

_GradientTape = tf.GradientTape
_reduce_sum = tf.reduce_sum


def summed(output):
    """The output reduced to one differentiable number, or None if it can't carry one."""
    if isinstance(output, tf.Tensor | tf.Variable) and output.dtype.is_floating:
        return _reduce_sum(output)
    return None


def gradients_reaching(tape, total, variables: dict) -> dict[str, bool]:
    """For each named variable, whether d total / d variable exists (`tape` persistent)."""
    reached = {}
    for name, variable in variables.items():
        try:
            reached[name] = total is not None and tape.gradient(total, variable) is not None
        except Exception:  # noqa: BLE001 - a gradient TensorFlow can't form didn't flow
            reached[name] = False
    return reached


def gradient_flow(function, variables: dict, *args, **kwargs) -> tuple[dict[str, bool], object]:
    """Which of `variables` ({name: tf.Variable}) receive a gradient from the summed output
    of `function(*args, **kwargs)`, and the output itself."""
    with _GradientTape(persistent=True) as tape, functions_run_eagerly(), quiet():
        tape.watch(list(variables.values()))
        output = function(*args, **kwargs)
        total = summed(output)
    return gradients_reaching(tape, total, variables), output


class Updates:
    """Create it before a call, read `changes()` after: each variable's largest absolute
    change ({name: float}, None where it can't be read)."""

    def __init__(self, variables: dict):
        self.variables = dict(variables)
        self.before = {name: as_array(v) for name, v in self.variables.items()}

    def changes(self) -> dict[str, float | None]:
        report = {}
        for name, variable in self.variables.items():
            before, after = self.before[name], as_array(variable)
            if before is None or after is None or before.shape != after.shape:
                report[name] = None
                continue
            change = float(np.max(np.abs(after.astype(np.float64) - before), initial=0.0))
            report[name] = change if np.isfinite(change) else None
        return report


def training_report(recording: Recording, watched: Updates | None, first: int = 5) -> dict:
    """What a training loop did, as plain data (autograder.tflab.observer.Training): its
    tape calls and optimizer updates, how many updates applied exactly the tape's
    gradients, the class names and learning rates of the first updates' optimizers, and
    for each watched variable its largest change and its updates with a tape gradient."""
    updates = recording.updates
    from_tape = [
        bool(u.well_formed()) and all(recording.from_tape(g) for g, _ in u.well_formed())
        for u in updates
    ]
    tape_updates = dict.fromkeys(watched.variables if watched else (), 0)
    for update in updates:
        for gradient, variable in update.well_formed():
            for name, watched_variable in watched.variables.items() if watched else ():
                if variable is watched_variable and recording.from_tape(gradient):
                    tape_updates[name] += 1
    changes = watched.changes() if watched else {}
    optimizers = [u.optimizer for u in updates[:first]]
    return {
        "tape_calls": len(recording.tape_calls),
        "updates": recording.update_count,
        "updates_from_tape": sum(from_tape),
        "optimizers": [",".join(c.__name__ for c in type(o).__mro__[:8]) for o in optimizers],
        "learning_rates": [value_of(getattr(o, "learning_rate", None)) for o in optimizers],
        "trained": {n: {"change": changes[n], "tape_updates": tape_updates[n]} for n in changes},
    }
