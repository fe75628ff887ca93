"""Advice for the mistakes students of this lab make most."""

from autograder.feedback import Hint

HINTS = (
    Hint(
        r"No gradients provided",
        "the cost must be computed inside the `with tf.GradientTape() as tape:` block, from the"
        " same variable w that you pass to tape.gradient and to the optimizer",
    ),
    Hint(r"tloat32", "`tf.tloat32` is a typo for `tf.float32`"),
    Hint(r"zeras", "`tf.zeras` is a typo for `tf.zeros`"),
    Hint(
        r"`tape` is required when a `Tensor` loss is passed|tape.*required.*Tensor",
        "optimizer.minimize needs the cost function itself, `cost_fn`, not its value"
        " `cost_fn()`: it calls the function under its own tape",
    ),
    Hint(
        r"'Adam' object has no attribute 'minimize'",
        "this is Keras 3's optimizer; the lab needs legacy Keras: set"
        " os.environ['TF_USE_LEGACY_KERAS'] = '1' before importing TensorFlow",
    ),
    Hint(
        r"iteration over a 0-d tensor|Cannot iterate over a scalar tensor|zip argument #\d+ must",
        "variables go in a list: `trainable_variables = [w]` (so zip can pair each gradient"
        " with its variable) and `optimizer.minimize(cost_fn, [w])`",
    ),
    Hint(
        r"'NoneType' object",
        "tape.gradient returned None: the cost was not computed from that variable under the tape",
    ),
    Hint(
        r"got multiple values for argument|takes \d+ positional argument",
        "keep the lab's signatures: train_step() takes no arguments, and training(x, w,"
        " optimizer) takes exactly these three",
    ),
)
