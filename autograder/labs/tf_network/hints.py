"""Advice for the mistakes students of this lab make most, then the toolkit's."""

from autograder.hints import Hint
from autograder.tflab.hints import TENSORFLOW_HINTS

HINTS = (
    Hint(
        r"Matrix size-incompatible|In\[0\] mismatch In\[1\] shape|Incompatible shapes",
        "check the shapes: W1 is (25, 64) and X is (64, m), so Z1 = W1 · X + b1 is (25, m);"
        " in model, minibatches come as (m, 64) and need tf.transpose",
    ),
    Hint(
        r"Cannot convert .* to EagerTensor of dtype int|expected.*int64.*float|must be one of"
        r" the following types: uint8, int8, int32, int64",
        "tf.one_hot needs integer labels",
    ),
    Hint(r"^KeyError", "parameters must hold the keys W1, b1, W2, b2, W3, b3"),
    *TENSORFLOW_HINTS,
)
