"""Advice for the mistakes students of this lab make most, then the toolkit's."""

from autograder.hints import Hint
from autograder.tflab.hints import TENSORFLOW_HINTS

HINTS = (
    Hint(r"tloat32", "`tf.tloat32` is a typo for `tf.float32`"),
    Hint(r"zeras", "`tf.zeras` is a typo for `tf.zeros`"),
    Hint(
        r"iteration over a 0-d tensor|Cannot iterate over a scalar tensor|zip argument #\d+ must",
        "variables go in a list: `trainable_variables = [w]` (so zip can pair each gradient"
        " with its variable) and `optimizer.minimize(cost_fn, [w])`",
    ),
    *TENSORFLOW_HINTS,
)
