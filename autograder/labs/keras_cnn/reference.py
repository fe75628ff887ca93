"""The lab's two designs, layer by layer, for any input shape (no TensorFlow needed)."""

from autograder.tflab.keras_judging import Expected

HAPPY_INPUT = (8, 8, 1)


def happy_model() -> Expected:
    """ZeroPadding2D(3) → Conv2D(32, 7×7) → BatchNormalization(axis 3) → ReLU →
    MaxPooling2D → Flatten → Dense(1, sigmoid)."""
    model = Expected(HAPPY_INPUT).zero_padding(3).conv(32, 7).batch_norm(axis=3)
    return model.activation("relu").max_pool().flatten().dense(1).activation("sigmoid")


def convolutional_model(input_shape: tuple[int, int, int]) -> Expected:
    """Conv2D(8, 4×4, same) → ReLU → MaxPool2D(8×8, stride 8, same) → Conv2D(16, 2×2,
    same) → ReLU → MaxPool2D(4×4, stride 4, same) → Flatten → Dense(6, softmax)."""
    model = Expected(input_shape).conv(8, 4, padding="same").activation("relu")
    model = model.max_pool(8, 8, padding="same").conv(16, 2, padding="same").activation("relu")
    return model.max_pool(4, 4, padding="same").flatten().dense(6).activation("softmax")
