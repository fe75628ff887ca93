"""Advice for the TensorFlow errors students make in any lab. A lab's hints.py lists its own
hints first and these after: `HINTS = (*own, *TENSORFLOW_HINTS)`."""

from autograder.hints import Hint

TENSORFLOW_HINTS = (
    Hint(
        r"No gradients provided",
        "compute the cost inside the `with tf.GradientTape() as tape:` block, from the same"
        " variables that you pass to tape.gradient and to the optimizer",
    ),
    Hint(
        r"`tape` is required when a `Tensor` loss is passed|tape.*required.*Tensor",
        "optimizer.minimize needs the cost function itself, not its value: it calls the"
        " function under its own tape",
    ),
    Hint(
        r"object has no attribute 'minimize'",
        "this is Keras 3's optimizer; the lab needs legacy Keras: set"
        " os.environ['TF_USE_LEGACY_KERAS'] = '1' before importing TensorFlow",
    ),
    Hint(
        r"'NoneType' object",
        "tape.gradient returned None: the cost was not computed from that variable under the tape",
    ),
    Hint(
        r"got multiple values for argument|got an unexpected keyword argument|takes \d+ positional",
        "keep the lab's signatures, argument names included",
    ),
)
