"""Advice for the Keras mistakes students of this lab make most, then TensorFlow's."""

from autograder.hints import Hint
from autograder.tflab.hints import TENSORFLOW_HINTS

HINTS = (
    Hint(
        r"is incompatible with the layer|expected .*ndim|Negative dimension size",
        "a layer got an input of the wrong shape: check the input shape, the padding and"
        " that Flatten() comes before the Dense layer",
    ),
    Hint(
        r"should be called on a list of inputs|Inputs to a layer should be tensors",
        "in the Functional API each layer is called on the previous layer's output:"
        " `x = tf.keras.layers.ReLU()(x)`",
    ),
    *TENSORFLOW_HINTS,
)
