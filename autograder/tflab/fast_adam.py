"""tf_keras's Adam with a short eager path, bit-identical, for labs that opt in.

A lab's probes may make thousands of optimizer updates (4,000 in one lab of this
repository). tf_keras spends most of each
one in Python (distribution strategy, gradient aggregation, a dozen eager ops); that was
two thirds of the grading time of a correct submission. For the case the lab produces
(eager mode, float32 scalar variables, default settings, a constant learning rate) this
subclass does tf_keras's float32 arithmetic in numpy, op for op and in the same order,
and writes w and `iterations` back at every step, so anything the student's code reads
is tf_keras's value, bit for bit (tests/test_probe_adam.py). A lab opts in by calling
`install_for_student_code()` from its `before_student_code` (on CPU: with a GPU, tf_keras's
own Adam runs its update on the device, as the student would see it), and by handing
probes' own optimizers out as `Adam`.

The moments m and v stay in numpy between short-path steps, and are written into the
slot variables before anything that can see them: tf_keras's own path (every other
case, including the errors it raises for missing gradients and unknown variables),
`variables` and `set_weights`.
"""

import sys

import numpy as np
import tensorflow as tf
import tf_keras

F32 = np.float32
_sqrt = np.sqrt  # bound now: student code can rebind numpy's attributes, not this name


def _is_scalar_float32(value, kind) -> bool:
    return isinstance(value, kind) and value.dtype == tf.float32 and value.shape.rank == 0


class ScalarAdam(tf_keras.optimizers.Adam):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._moments: dict = {}  # slot index -> (m, v) newer than the slot variables
        self.short_path_updates = 0  # lets tests see that the short path is really taken

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        pairs = list(grads_and_vars)
        if name is not None or kwargs or not self._takes_short_path(pairs):
            self._write_moments()
            return super().apply_gradients(pairs, name=name, **kwargs)
        self._update([(F32(gradient.numpy()), variable) for gradient, variable in pairs])
        self.short_path_updates += 1
        return self.iterations.assign_add(1)

    @property
    def variables(self):
        self._write_moments()
        return super().variables

    def set_weights(self, weights):
        self._write_moments()
        return super().set_weights(weights)

    def _write_moments(self) -> None:
        for index, (m, v) in self._moments.items():
            self._momentums[index].assign(m)
            self._velocities[index].assign(v)
        self._moments = {}

    def _takes_short_path(self, pairs: list) -> bool:
        defaults = not (
            self.amsgrad
            or self.adaptive_epsilon
            or self.weight_decay
            or self.clipnorm
            or self.clipvalue
            or self.global_clipnorm
            or self.use_ema
        )
        if not (pairs and defaults and tf.executing_eagerly()):
            return False
        if not isinstance(self._learning_rate, tf.Variable):  # a schedule
            return False
        for pair in pairs:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                return False
            gradient, variable = pair
            if not (
                _is_scalar_float32(gradient, tf.Tensor)
                and not isinstance(gradient, tf.IndexedSlices)
                and _is_scalar_float32(variable, tf.Variable)
                and variable.trainable
                and variable.constraint is None
            ):
                return False
        if len({id(variable) for _, variable in pairs}) != len(pairs):
            return False
        self.build([variable for _, variable in pairs])  # a no-op once built, as in tf_keras
        return all(self._var_key(variable) in self._index_dict for _, variable in pairs)

    def _update(self, pairs: list) -> None:
        """Adam.update_step of tf_keras, in float32."""
        one = F32(1)
        step = F32(self.iterations.numpy() + 1)
        learning_rate = F32(self.learning_rate.numpy())
        beta_1_power = F32(self.beta_1) ** step
        beta_2_power = F32(self.beta_2) ** step
        alpha = learning_rate * _sqrt(one - beta_2_power) / (one - beta_1_power)
        # tf_keras forms (1 - beta) and takes epsilon as Python floats, then casts to float32
        m_rate, v_rate = F32(1 - self.beta_1), F32(1 - self.beta_2)
        epsilon = F32(self.epsilon)
        for gradient, variable in pairs:
            index = self._index_dict[self._var_key(variable)]
            if index in self._moments:
                m, v = self._moments[index]
            else:
                m = F32(self._momentums[index].numpy())
                v = F32(self._velocities[index].numpy())
            m = m + (gradient - m) * m_rate
            v = v + (gradient * gradient - v) * v_rate
            self._moments[index] = (m, v)
            variable.assign(F32(variable.numpy()) - (m * alpha) / (_sqrt(v) + epsilon))


_KERAS_ADAM = tf_keras.optimizers.Adam


class Adam(ScalarAdam):  # the name student code and tf_keras's messages expect
    pass


def install_for_student_code() -> None:
    """`tf.keras.optimizers.Adam` becomes this Adam for the notebook's own code too.

    The notebook's training then computes exactly the same values, about twice as fast.
    Every module that hands out tf_keras's Adam is pointed at it, its source module
    included: `from tensorflow.keras.optimizers import Adam` builds a new module from it.
    """
    tf.keras.optimizers  # noqa: B018 - loads the lazy tf.keras modules, so they are patched too
    for module in list(sys.modules.values()):
        if getattr(module, "Adam", None) is _KERAS_ADAM:
            module.Adam = Adam
