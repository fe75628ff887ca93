"""Generate the labelled corpus of student submissions for the keras_cnn lab.

Run from the repository root:

    .venv/bin/python tests/corpus_keras_cnn/make_corpus.py

It writes ``notebooks/<case>.ipynb`` beside this file (one notebook per case) and
``labels.json`` (what a fair instructor gives each case, per graded part).

Every notebook is the student notebook of ``assignments/keras_cnn`` with its answer cells
filled in. The answers start from the solution notebook's (``solutions/keras_cnn``); a case
says only what its student did differently: which cells get a new source (``replace``, by
the names in ``CELLS``; ``None`` leaves the stub as handed out) and which cells were added
after a cell (``after``).

The hidden checks, per part (points in ``POINTS``):

* happy_model (4): its layers in order, in the canonical form (type, settings, output
  shape, parameters; activations as their own layers, names ignored, nested models
  opened) (2); a compiled model taking 8×8×1 images to one output, found by value among the
  notebook's compiled models or compiled inside happy_model, with Adam, binary
  cross-entropy not from logits and an accuracy metric (1); a fresh happy_model() compiled
  by the grader (Adam 0.01, binary cross-entropy) and trained 3 epochs on hidden digits 0
  and 1: the loss falls and 90% held-out accuracy (1).
* convolutional_model (6): its layers for (8, 8, 1) (2); its layers for two hidden input
  shapes (9-64, 9-64, 1-3) (2); a fresh convolutional_model((8, 8, 1)) trained 20 epochs
  on hidden digits 0 to 5 (sparse categorical cross-entropy): the loss falls and 75%
  held-out accuracy (2).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

NOTEBOOK_DIR = HERE / "notebooks"
LABELS_PATH = HERE / "labels.json"
STUDENT = ROOT / "assignments" / "keras_cnn" / "keras_cnn.ipynb"
SOLUTION = ROOT / "solutions" / "keras_cnn" / "keras_cnn.ipynb"
# The answer cells, by a readable name: cell id
CELLS = {
    "setup": "0d87d1b6",
    "data": "0c720920",
    "happy": "24f7354e",
    "happy-fit": "a4dcae00",
    "conv": "5ecbe420",
    "conv-fit": "42673ef7",
}
ANSWERS = ("happy", "happy-fit", "conv", "conv-fit")
POINTS = {"happy_model": 4, "convolutional_model": 6}


def expected(**lost: float) -> dict[str, float]:
    """Full marks less what each part lost."""
    return {part: round(points - lost.get(part, 0.0), 4) for part, points in POINTS.items()}


def solution_answers() -> dict[str, str]:
    """The answer cells of the solution notebook, without otter's solution markers."""
    by_id = {cell_id: name for name, cell_id in CELLS.items() if name in ANSWERS}
    answers = {}
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        if cell.cell_type == "code" and cell.get("id") in by_id:
            lines = [
                re.sub(r"\s*# SOLUTION$", "", line)
                for line in cell.source.splitlines()
                if not re.match(r"\s*# (BEGIN|END) SOLUTION", line)
            ]
            answers[by_id[cell.id]] = "\n".join(lines)
    return answers


REFERENCE = solution_answers()


def swap(cell: str, old: str, new: str) -> str:
    """The reference answer of `cell` with `old` replaced by `new` (which must be there)."""
    source = REFERENCE[cell]
    assert old in source, (cell, old)
    return source.replace(old, new)


CASES: dict[str, dict] = {}


def case(name: str, description: str, score: dict, replace=None, after=None, answers=True):
    CASES[name] = {
        "description": description,
        "expected": score,
        "replace": replace or {},
        "after": after or {},
        "answers": answers,
    }


# -- valid alternatives ----------------------------------------------------------------------

case("valid_reference", "The solution's answers: every check passes.", expected())
case(
    "valid_sequential_add",
    "happy_model built with an empty tf.keras.Sequential() and one add() per layer, the input"
    " given as tf.keras.Input; convolutional_model with keyword-free arguments: the same"
    " layers, full marks.",
    expected(),
    replace={
        "happy": """
def happy_model():
    model = tf.keras.Sequential()
    model.add(tf.keras.Input(shape=(8, 8, 1)))
    model.add(tf.keras.layers.ZeroPadding2D(3))
    model.add(tf.keras.layers.Conv2D(32, 7))
    model.add(tf.keras.layers.BatchNormalization(axis=3))
    model.add(tf.keras.layers.ReLU())
    model.add(tf.keras.layers.MaxPooling2D())
    model.add(tf.keras.layers.Flatten())
    model.add(tf.keras.layers.Dense(1, activation="sigmoid"))
    return model
""",
        "conv": """
def convolutional_model(input_shape):
    input_img = tf.keras.Input(shape=input_shape)
    x = tf.keras.layers.Conv2D(8, 4, 1, "same")(input_img)
    x = tf.keras.layers.ReLU()(x)
    x = tf.keras.layers.MaxPool2D(8, 8, "same")(x)
    x = tf.keras.layers.Conv2D(16, 2, 1, "same")(x)
    x = tf.keras.layers.ReLU()(x)
    x = tf.keras.layers.MaxPool2D(4, 4, "same")(x)
    x = tf.keras.layers.Flatten()(x)
    outputs = tf.keras.layers.Dense(6, activation="softmax")(x)
    model = tf.keras.Model(inputs=input_img, outputs=outputs)
    return model
""",
    },
)
case(
    "valid_input_shape_keyword",
    "happy_model gives the input as input_shape=(8, 8, 1) on its first layer instead of"
    " tf.keras.Input, as the handout allows: full marks.",
    expected(),
    replace={
        "happy": """
def happy_model():
    # input_shape on the first layer builds the model straight away
    model = tf.keras.Sequential([
        tf.keras.layers.ZeroPadding2D(padding=(3, 3), input_shape=(8, 8, 1)),
        tf.keras.layers.Conv2D(filters=32, kernel_size=(7, 7), strides=(1, 1)),
        tf.keras.layers.BatchNormalization(axis=3),
        tf.keras.layers.ReLU(),
        tf.keras.layers.MaxPooling2D(pool_size=(2, 2)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ])
    return model
"""
    },
)
case(
    "valid_layer_names",
    "Both models name every layer (name='zero_pad', 'conv0', 'bn0', ...), as the original"
    " course's template does: names are not judged, full marks.",
    expected(),
    replace={
        "happy": """
def happy_model():
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(8, 8, 1), name="image"),
        tf.keras.layers.ZeroPadding2D(padding=3, name="zero_pad"),
        tf.keras.layers.Conv2D(32, (7, 7), strides=(1, 1), name="conv0"),
        tf.keras.layers.BatchNormalization(axis=3, name="bn0"),
        tf.keras.layers.ReLU(name="relu0"),
        tf.keras.layers.MaxPooling2D(name="max_pool0"),
        tf.keras.layers.Flatten(name="flatten"),
        tf.keras.layers.Dense(1, activation="sigmoid", name="fc"),
    ], name="HappyModel")
    return model
""",
        "conv": """
def convolutional_model(input_shape):
    input_img = tf.keras.Input(shape=input_shape, name="input")
    Z1 = tf.keras.layers.Conv2D(8, (4, 4), strides=(1, 1), padding="same", name="conv1")(input_img)
    A1 = tf.keras.layers.ReLU(name="relu1")(Z1)
    P1 = tf.keras.layers.MaxPool2D((8, 8), strides=(8, 8), padding="same", name="pool1")(A1)
    Z2 = tf.keras.layers.Conv2D(16, (2, 2), strides=(1, 1), padding="same", name="conv2")(P1)
    A2 = tf.keras.layers.ReLU(name="relu2")(Z2)
    P2 = tf.keras.layers.MaxPool2D((4, 4), strides=(4, 4), padding="same", name="pool2")(A2)
    F = tf.keras.layers.Flatten(name="flatten")(P2)
    outputs = tf.keras.layers.Dense(6, activation="softmax", name="probabilities")(F)
    model = tf.keras.Model(inputs=input_img, outputs=outputs, name="ConvModel")
    return model
""",
    },
)
case(
    "valid_from_keras_import_layers",
    "The student imports `from tensorflow.keras import layers` and `from tensorflow.keras"
    " import Model, Input, Sequential` (tf_keras, since TF_USE_LEGACY_KERAS is set) and writes"
    " layers.Conv2D(...): the same layers, full marks.",
    expected(),
    replace={
        "happy": """
from tensorflow.keras import layers
from tensorflow.keras import Input, Model, Sequential


def happy_model():
    model = Sequential([
        Input(shape=(8, 8, 1)),
        layers.ZeroPadding2D(padding=3),
        layers.Conv2D(32, 7, strides=1),
        layers.BatchNormalization(axis=3),
        layers.ReLU(),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid"),
    ])
    return model
""",
        "conv": """
def convolutional_model(input_shape):
    inputs = Input(shape=input_shape)
    x = layers.Conv2D(filters=8, kernel_size=4, strides=1, padding="same")(inputs)
    x = layers.ReLU()(x)
    x = layers.MaxPool2D(pool_size=8, strides=8, padding="same")(x)
    x = layers.Conv2D(filters=16, kernel_size=2, strides=1, padding="same")(x)
    x = layers.ReLU()(x)
    x = layers.MaxPool2D(pool_size=4, strides=4, padding="same")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(6, activation="softmax")(x)
    return Model(inputs, outputs)
""",
    },
)
case(
    "valid_layer_classes_imported",
    "`from tensorflow.keras.layers import Conv2D, BatchNormalization, ...` and the classes"
    " used by name; MaxPool2D in happy_model, MaxPooling2D in convolutional_model (aliases);"
    " kernel sizes as ints: full marks.",
    expected(),
    replace={
        "happy": """
from tensorflow.keras.layers import (BatchNormalization, Conv2D, Dense, Flatten, MaxPool2D,
                                     MaxPooling2D, ReLU, ZeroPadding2D)


def happy_model():
    return tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)),
        ZeroPadding2D(3),
        Conv2D(32, 7),
        BatchNormalization(axis=3),
        ReLU(),
        MaxPool2D(),
        Flatten(),
        Dense(1, activation="sigmoid"),
    ])
""",
        "conv": """
def convolutional_model(input_shape):
    img = tf.keras.Input(shape=input_shape)
    z1 = Conv2D(8, 4, padding="same")(img)
    a1 = ReLU()(z1)
    p1 = MaxPooling2D(8, strides=8, padding="same")(a1)
    z2 = Conv2D(16, 2, padding="same")(p1)
    a2 = ReLU()(z2)
    p2 = MaxPooling2D(4, strides=4, padding="same")(a2)
    out = Dense(6, activation="softmax")(Flatten()(p2))
    return tf.keras.Model(inputs=img, outputs=out)
""",
    },
)
case(
    "valid_tf_keras_package",
    "`import tf_keras` and tf_keras.layers / tf_keras.Sequential / tf_keras.Model throughout,"
    " compiled with tf_keras.optimizers.Adam(): the package tf.keras is here, full marks.",
    expected(),
    replace={
        "happy": """
import tf_keras


def happy_model():
    model = tf_keras.Sequential([
        tf_keras.Input(shape=(8, 8, 1)),
        tf_keras.layers.ZeroPadding2D(padding=3),
        tf_keras.layers.Conv2D(32, (7, 7), strides=(1, 1)),
        tf_keras.layers.BatchNormalization(axis=3),
        tf_keras.layers.ReLU(),
        tf_keras.layers.MaxPooling2D(),
        tf_keras.layers.Flatten(),
        tf_keras.layers.Dense(1, activation="sigmoid"),
    ])
    return model
""",
        "happy-fit": """
happy = happy_model()
happy.compile(optimizer=tf_keras.optimizers.Adam(), loss="binary_crossentropy",
              metrics=["accuracy"])
history = happy.fit(binary_train.shuffle(1000, seed=0).batch(16), epochs=5,
                    validation_data=binary_test.batch(16), verbose=0)
print("test accuracy after each epoch:", np.round(history.history["val_accuracy"], 3))
""",
        "conv": """
def convolutional_model(input_shape):
    L = tf_keras.layers
    input_img = tf_keras.Input(shape=input_shape)
    x = L.Conv2D(8, (4, 4), padding="same")(input_img)
    x = L.ReLU()(x)
    x = L.MaxPool2D((8, 8), strides=(8, 8), padding="same")(x)
    x = L.Conv2D(16, (2, 2), padding="same")(x)
    x = L.ReLU()(x)
    x = L.MaxPool2D((4, 4), strides=(4, 4), padding="same")(x)
    x = L.Flatten()(x)
    outputs = L.Dense(6, activation="softmax")(x)
    return tf_keras.Model(inputs=input_img, outputs=outputs)
""",
    },
)
case(
    "valid_activation_arguments_and_layers",
    "Activations given other ways: happy_model's ReLU as Activation('relu'), its sigmoid as"
    " Dense(1) then Activation('sigmoid'); convolutional_model's ReLUs as Conv2D(...,"
    " activation='relu') and its softmax as Dense(6) then Softmax(): the same network, full"
    " marks.",
    expected(),
    replace={
        "happy": """
def happy_model():
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(8, 8, 1)),
        tf.keras.layers.ZeroPadding2D(padding=3),
        tf.keras.layers.Conv2D(32, (7, 7)),
        tf.keras.layers.BatchNormalization(axis=3),
        tf.keras.layers.Activation("relu"),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(1),
        tf.keras.layers.Activation("sigmoid"),
    ])
    return model
""",
        "conv": """
def convolutional_model(input_shape):
    input_img = tf.keras.Input(shape=input_shape)
    # ReLU inside the convolutions
    A1 = tf.keras.layers.Conv2D(8, (4, 4), padding="same", activation="relu")(input_img)
    P1 = tf.keras.layers.MaxPool2D(pool_size=(8, 8), strides=(8, 8), padding="same")(A1)
    A2 = tf.keras.layers.Conv2D(16, (2, 2), padding="same", activation="relu")(P1)
    P2 = tf.keras.layers.MaxPool2D(pool_size=(4, 4), strides=(4, 4), padding="same")(A2)
    F = tf.keras.layers.Flatten()(P2)
    logits = tf.keras.layers.Dense(6)(F)
    outputs = tf.keras.layers.Softmax()(logits)
    model = tf.keras.Model(inputs=input_img, outputs=outputs)
    return model
""",
    },
)
case(
    "valid_functional_tf_nn_relu",
    "convolutional_model applies tf.nn.relu to the Functional tensors (a TFOpLambda layer in"
    " tf_keras) and writes padding='SAME' in capitals; happy_model uses"
    " BatchNormalization(axis=-1), the same axis on 4-D input: full marks.",
    expected(),
    replace={
        "happy": swap("happy", "BatchNormalization(axis=3)", "BatchNormalization(axis=-1)"),
        "conv": """
def convolutional_model(input_shape):
    input_img = tf.keras.Input(shape=input_shape)
    Z1 = tf.keras.layers.Conv2D(8, (4, 4), strides=(1, 1), padding="SAME")(input_img)
    A1 = tf.nn.relu(Z1)
    P1 = tf.keras.layers.MaxPool2D(pool_size=(8, 8), strides=(8, 8), padding="SAME")(A1)
    Z2 = tf.keras.layers.Conv2D(16, (2, 2), strides=(1, 1), padding="SAME")(P1)
    A2 = tf.nn.relu(Z2)
    P2 = tf.keras.layers.MaxPool2D(pool_size=(4, 4), strides=(4, 4), padding="SAME")(A2)
    F = tf.keras.layers.Flatten()(P2)
    outputs = tf.keras.layers.Dense(units=6, activation="softmax")(F)
    model = tf.keras.Model(inputs=input_img, outputs=outputs)
    return model
""",
    },
)
case(
    "valid_convolutional_as_sequential",
    "convolutional_model written with tf.keras.Sequential, starting from"
    " tf.keras.Input(shape=input_shape), instead of the Functional API: the same layers for"
    " every input shape, full marks (the layers are graded, not the API).",
    expected(),
    replace={
        "conv": """
def convolutional_model(input_shape):
    # the Sequential API is simpler for a straight chain
    return tf.keras.Sequential([
        tf.keras.Input(shape=input_shape),
        tf.keras.layers.Conv2D(8, 4, padding="same", activation="relu"),
        tf.keras.layers.MaxPooling2D(8, strides=8, padding="same"),
        tf.keras.layers.Conv2D(16, 2, padding="same", activation="relu"),
        tf.keras.layers.MaxPooling2D(4, strides=4, padding="same"),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(6, activation="softmax"),
    ])
"""
    },
)
case(
    "valid_block_helper",
    "convolutional_model through a helper conv_block(x, filters, kernel, pool) that adds"
    " Conv2D, ReLU and MaxPool2D; happy_model built from two nested Sequential blocks (features"
    " and head), which the description opens: full marks.",
    expected(),
    replace={
        "happy": """
def happy_model():
    features = tf.keras.Sequential([
        tf.keras.layers.ZeroPadding2D(3),
        tf.keras.layers.Conv2D(32, 7),
        tf.keras.layers.BatchNormalization(axis=3),
        tf.keras.layers.ReLU(),
        tf.keras.layers.MaxPooling2D(),
    ], name="features")
    head = tf.keras.Sequential([
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ], name="head")
    return tf.keras.Sequential([tf.keras.Input(shape=(8, 8, 1)), features, head])
""",
        "conv": """
def conv_block(x, filters, kernel, pool):
    \"\"\"CONV -> RELU -> MAXPOOL, all 'same'\"\"\"
    x = tf.keras.layers.Conv2D(filters, kernel, strides=1, padding="same")(x)
    x = tf.keras.layers.ReLU()(x)
    return tf.keras.layers.MaxPool2D(pool, strides=pool, padding="same")(x)


def convolutional_model(input_shape):
    input_img = tf.keras.Input(shape=input_shape)
    x = conv_block(input_img, 8, 4, 8)
    x = conv_block(x, 16, 2, 4)
    x = tf.keras.layers.Flatten()(x)
    outputs = tf.keras.layers.Dense(6, activation="softmax")(x)
    model = tf.keras.Model(inputs=input_img, outputs=outputs)
    return model
""",
    },
)
case(
    "valid_compile_with_objects",
    "happy is compiled with tf.keras.optimizers.Adam(learning_rate=0.001),"
    " tf.keras.losses.BinaryCrossentropy() and metrics=[tf.keras.metrics.BinaryAccuracy()],"
    " trained 10 epochs in batches of 32: full marks.",
    expected(),
    replace={
        "happy-fit": """
happy = happy_model()
happy.compile(
    optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
    loss=tf.keras.losses.BinaryCrossentropy(),
    metrics=[tf.keras.metrics.BinaryAccuracy()],
)
history = happy.fit(binary_train.shuffle(1000).batch(32), epochs=10,
                    validation_data=binary_test.batch(32), verbose=0)
print("test accuracy after each epoch:", np.round(history.history["val_binary_accuracy"], 3))
"""
    },
)
case(
    "valid_compile_inside_happy_model",
    "happy_model compiles the model itself before returning it (Adam, binary cross-entropy,"
    " metrics=['acc']); the notebook's cell only fits it: full marks.",
    expected(),
    replace={
        "happy": swap(
            "happy",
            "    return model",
            '    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])\n'
            "    return model",
        ),
        "happy-fit": """
happy = happy_model()  # already compiled
history = happy.fit(binary_train.shuffle(1000, seed=0).batch(16), epochs=5,
                    validation_data=binary_test.batch(16), verbose=0)
print("test accuracy after each epoch:", np.round(history.history["val_acc"], 3))
""",
    },
)
case(
    "valid_models_in_a_dict",
    "The student keeps both models in a dict, models['happy'] and models['digits'], compiled"
    " there; the compiled happy model is found by value: full marks.",
    expected(),
    replace={
        "happy-fit": """
models = {}
models["happy"] = happy_model()
models["happy"].compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
h = models["happy"].fit(binary_train.shuffle(1000, seed=0).batch(16), epochs=5,
                        validation_data=binary_test.batch(16), verbose=0)
history = h
print("test accuracy after each epoch:", np.round(history.history["val_accuracy"], 3))
""",
        "conv-fit": """
models["digits"] = convolutional_model((8, 8, 1))
models["digits"].compile(optimizer=tf.keras.optimizers.Adam(0.01),
                         loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = models["digits"].fit(digits_train.shuffle(1000, seed=0).batch(32), epochs=20,
                               validation_data=digits_test.batch(32), verbose=0)
train_accuracy, test_accuracy = history.history["accuracy"][-1], history.history["val_accuracy"][-1]
print(f"after {len(history.history['loss'])} epochs: training accuracy {train_accuracy:.3f},"
      f" test accuracy {test_accuracy:.3f}")
""",
    },
)
case(
    "valid_extra_cells_other_training",
    "The reference answers under other variable names (my_model, cnn) with exploration cells"
    " (summary(), a plot-free look at the history, predictions) and other epochs and batch"
    " sizes: extra cells and training choices cost nothing.",
    expected(),
    replace={
        "happy-fit": """
my_model = happy_model()
my_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = my_model.fit(binary_train.batch(8), epochs=3, validation_data=binary_test.batch(8),
                       verbose=0)
print("test accuracy after each epoch:", np.round(history.history["val_accuracy"], 3))
""",
        "conv-fit": """
cnn = convolutional_model((8, 8, 1))
cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = cnn.fit(digits_train.shuffle(500).batch(64), epochs=30,
                  validation_data=digits_test.batch(64), verbose=0)
train_accuracy = history.history["accuracy"][-1]
test_accuracy = history.history["val_accuracy"][-1]
print(f"after {len(history.history['loss'])} epochs: training accuracy {train_accuracy:.3f},"
      f" test accuracy {test_accuracy:.3f}")
""",
    },
    after={
        "data": ["print(images.shape, labels[:20])"],
        "happy": ["happy_model().summary()"],
        "happy-fit": ["print(my_model.predict(images[:5]).round(2).ravel(), labels[:5])"],
        "conv-fit": ["print(history.history.keys())\ncnn.summary()"],
    },
)

# -- mistakes, each in one part ---------------------------------------------------------------

case(
    "mistake_happy_16_filters",
    "happy_model's Conv2D has 16 filters, not 32: the layers differ (2 lost); still compiled"
    " right and it still learns 0 from 1: 2 of 4.",
    expected(happy_model=2),
    replace={"happy": swap("happy", "Conv2D(32, (7, 7)", "Conv2D(16, (7, 7)")},
)
case(
    "mistake_happy_kernel_5",
    "happy_model's Conv2D has 5×5 kernels: the layers differ (2 lost); it learns and is"
    " compiled right: 2 of 4.",
    expected(happy_model=2),
    replace={"happy": swap("happy", "Conv2D(32, (7, 7)", "Conv2D(32, (5, 5)")},
)
case(
    "mistake_happy_no_batchnorm",
    "happy_model leaves out BatchNormalization: the layers differ (2 lost); it learns and is"
    " compiled right: 2 of 4.",
    expected(happy_model=2),
    replace={"happy": swap("happy", "        tf.keras.layers.BatchNormalization(axis=3),\n", "")},
)
case(
    "mistake_happy_batchnorm_after_relu",
    "happy_model puts the ReLU before BatchNormalization (Conv → ReLU → BN): the layers are"
    " out of order (2 lost); it learns and is compiled right: 2 of 4.",
    expected(happy_model=2),
    replace={
        "happy": """
def happy_model():
    model = tf.keras.Sequential()
    model.add(tf.keras.layers.ZeroPadding2D(padding=(3, 3), input_shape=(8, 8, 1)))
    model.add(tf.keras.layers.Conv2D(32, (7, 7), activation="relu"))
    model.add(tf.keras.layers.BatchNormalization(axis=3))
    model.add(tf.keras.layers.MaxPooling2D((2, 2)))
    model.add(tf.keras.layers.Flatten())
    model.add(tf.keras.layers.Dense(1, activation="sigmoid"))
    return model
"""
    },
)
case(
    "mistake_happy_extra_dropout",
    "happy_model adds Dropout(0.3) before the Dense layer: a layer the design does not have"
    " (2 lost); it learns and is compiled right: 2 of 4.",
    expected(happy_model=2),
    replace={
        "happy": swap(
            "happy",
            "        tf.keras.layers.Flatten(),\n",
            "        tf.keras.layers.Flatten(),\n        tf.keras.layers.Dropout(0.3),\n",
        )
    },
)
case(
    "mistake_happy_no_sigmoid",
    "happy_model ends with Dense(1), no sigmoid: the output is not a probability, the layers"
    " differ (2 lost). The notebook compiles it with binary cross-entropy, as the lab asks:"
    " the compile point stands (1). The grader trains a model without its sigmoid on its"
    " logits, so the layers learn (1): read as probabilities, clipped linear outputs learned"
    " on 2 of 8 draws only, which would make the point depend on the student's seed. The"
    " missing sigmoid costs its own check once: 2 of 4.",
    expected(happy_model=2),
    replace={"happy": swap("happy", 'Dense(1, activation="sigmoid")', "Dense(1)")},
)
case(
    "mistake_happy_compiled_sgd",
    "happy is compiled with optimizer='sgd' instead of Adam: the compile point is lost (1);"
    " the design is right and the grader's own training learns: 3 of 4.",
    expected(happy_model=1),
    replace={"happy-fit": swap("happy-fit", 'optimizer="adam"', 'optimizer="sgd"')},
)
case(
    "mistake_happy_compiled_mse",
    "happy is compiled with loss='mse' (tf.keras.losses.MeanSquaredError) instead of binary"
    " cross-entropy: the compile point is lost (1): 3 of 4.",
    expected(happy_model=1),
    replace={
        "happy-fit": swap(
            "happy-fit", 'loss="binary_crossentropy"', "loss=tf.keras.losses.MeanSquaredError()"
        )
    },
)
case(
    "mistake_happy_from_logits",
    "happy is compiled with BinaryCrossentropy(from_logits=True) although the model already"
    " ends in a sigmoid: the compile point is lost (1): 3 of 4.",
    expected(happy_model=1),
    replace={
        "happy-fit": swap(
            "happy-fit",
            'loss="binary_crossentropy"',
            "loss=tf.keras.losses.BinaryCrossentropy(from_logits=True)",
        )
    },
)
case(
    "mistake_happy_never_compiled",
    "The student builds happy and prints its summary but never compiles or fits it (the"
    " cell's print is gone too): the compile point is lost (1); the design is right and"
    " learns when the grader trains it: 3 of 4.",
    expected(happy_model=1),
    replace={"happy-fit": "happy = happy_model()\nhappy.summary()\n# TODO compile and fit"},
)
case(
    "mistake_happy_no_flatten",
    "happy_model forgets Flatten: Dense(1) acts on every pixel of the (7, 7, 32) map, so the"
    " model gives a (7, 7, 1) map, not one probability. The layers are wrong (2 lost); the"
    " notebook's compile call is right (Adam, binary cross-entropy, accuracy: 1); the"
    " grader's training raises on the shape mismatch (1 lost): 1 of 4.",
    expected(happy_model=3),
    replace={"happy": swap("happy", "        tf.keras.layers.Flatten(),\n", "")},
)
case(
    "mistake_happy_syntax_error",
    "happy_model's cell has a missing closing bracket: a SyntaxError, happy_model is never"
    " defined and the fit cell fails too: 0 of 4. convolutional_model is right: 6.",
    expected(happy_model=4),
    replace={"happy": swap("happy", "strides=(1, 1)),", "strides=(1, 1),")},
)
case(
    "mistake_conv_ignores_input_shape",
    "convolutional_model builds its Input with shape (8, 8, 1) whatever input_shape it is"
    " given: right for the notebook's images (layers 2, learns 2), wrong for every other"
    " shape (2 lost): 4 of 6.",
    expected(convolutional_model=2),
    replace={
        "conv": swap(
            "conv",
            "input_img = tf.keras.Input(shape=input_shape)",
            "input_img = tf.keras.Input(shape=(8, 8, 1))  # the digits are 8x8 grayscale",
        )
    },
)
case(
    "mistake_conv_first_conv_valid",
    "The first Conv2D of convolutional_model has no padding argument (so 'valid'): its"
    " output is 5×5, not 8×8; the layers and the shapes for other inputs differ (4 lost)."
    " The rest of the network is the lab's, and it learns (held-out accuracy 90-97% on"
    " seeds 0-5 of the hidden draws, against 75%): 2 of 6.",
    expected(convolutional_model=4),
    replace={
        "conv": swap(
            "conv",
            'Conv2D(filters=8, kernel_size=(4, 4), strides=(1, 1), padding="same")',
            "Conv2D(filters=8, kernel_size=(4, 4), strides=(1, 1))",
        )
    },
)
case(
    "mistake_conv_valid_everywhere",
    "Every Conv2D and MaxPool2D of convolutional_model has padding='valid': on 8×8 input the"
    " second convolution gets a 1×1 map and raises (negative output size), so the model does"
    " not even build for the notebook's images: the layers (both checks) and the training"
    " fail: 0 of 6.",
    expected(convolutional_model=6),
    replace={"conv": REFERENCE["conv"].replace('padding="same"', 'padding="valid"')},
)
case(
    "mistake_conv_first_pool_4",
    "The first MaxPool2D of convolutional_model has a 4×4 window and stride 4, not 8×8 and"
    " 8: the layers differ for every shape (4 lost); it learns (98-100% on seeds 0-5 of the"
    " hidden draws): 2 of 6.",
    expected(convolutional_model=4),
    replace={
        "conv": swap(
            "conv",
            "MaxPool2D(pool_size=(8, 8), strides=(8, 8)",
            "MaxPool2D(pool_size=(4, 4), strides=(4, 4)",
        )
    },
)
case(
    "mistake_conv_no_softmax",
    "convolutional_model ends with Dense(6) and no softmax: the layers differ (2 lost). Every"
    " shape is right for other inputs (a softmax keeps the shape: 2), and the grader trains a"
    " model without its softmax on its logits, where the layers learn (2): the missing"
    " softmax costs its own check once: 4 of 6.",
    expected(convolutional_model=2),
    replace={"conv": swap("conv", 'Dense(units=6, activation="softmax")', "Dense(units=6)")},
)
case(
    "mistake_conv_no_second_relu",
    "convolutional_model has no ReLU after its second Conv2D (P2 pools Z2): the layers"
    " differ (2 lost); a ReLU keeps the shape, so the shapes for other inputs are right (2);"
    " it learns (90-98% on seeds 0-5 of the hidden draws): 4 of 6.",
    expected(convolutional_model=2),
    replace={
        "conv": swap("conv", "    A2 = tf.keras.layers.ReLU()(Z2)\n", "").replace("(A2)", "(Z2)")
    },
)
case(
    "mistake_conv_filters_swapped",
    "convolutional_model's convolutions have 16 then 8 filters, not 8 then 16: the layers"
    " differ for every shape (4 lost); it learns (87-99% on seeds 0-5 of the hidden draws):"
    " 2 of 6.",
    expected(convolutional_model=4),
    replace={
        "conv": swap("conv", "Conv2D(filters=8,", "Conv2D(filters=SIXTEEN,")
        .replace("Conv2D(filters=16,", "Conv2D(filters=8,")
        .replace("SIXTEEN", "16")
    },
)
case(
    "mistake_conv_syntax_error",
    "convolutional_model's cell has `A1 = tf.keras.layers.ReLU()(Z1` (a bracket missing): a"
    " SyntaxError, the function is never defined: 0 of 6. happy_model is right: 4.",
    expected(convolutional_model=6),
    replace={"conv": swap("conv", "ReLU()(Z1)", "ReLU()(Z1")},
)

# -- gaming ----------------------------------------------------------------------------------

case(
    "game_fake_passed_prints",
    "The untouched notebook plus cells printing 'All tests passed!' and fake scores: printed"
    " text earns nothing.",
    {part: 0 for part in POINTS},
    answers=False,
    after={
        "setup": ['print("All tests passed!")\nprint(\'{"score": 10, "max_score": 10}\')'],
        "conv-fit": ['print("happy_model: 4/4\\nconvolutional_model: 6/6")'],
    },
)
case(
    "game_patch_keras_classes",
    "happy_model has 16 filters and a later cell patches tf.keras.layers.Conv2D.get_config"
    " (to report 32 filters) and Layer.count_params: the grader restores Keras' classes"
    " before its probes, so it scores like mistake_happy_16_filters: 2 of 4.",
    expected(happy_model=2),
    replace={"happy": swap("happy", "Conv2D(32, (7, 7)", "Conv2D(16, (7, 7)")},
    after={
        "conv-fit": [
            """
_real_config = tf.keras.layers.Conv2D.get_config


def _config(self):
    config = _real_config(self)
    config["filters"] = 32
    return config


tf.keras.layers.Conv2D.get_config = _config
tf.keras.layers.Layer.count_params = lambda self: 1600
"""
        ]
    },
)
case(
    "game_lying_subclasses",
    "happy_model uses ZeroPadding2D(2) and a 5×5 Conv2D (so the later shapes match the lab's),"
    " through subclasses that the notebook names ZeroPadding2D and Conv2D and that report the"
    " lab's padding 3, kernel 7×7, output shape and parameter count in get_config,"
    " output_shape and count_params. The model is not the lab's design: a fair instructor"
    " gives no layer points (2 lost). It is compiled right and learns: 2 of 4.",
    expected(happy_model=2),
    replace={
        "happy": """
class ZeroPadding2D(tf.keras.layers.ZeroPadding2D):
    def get_config(self):
        return {**super().get_config(), "padding": ((3, 3), (3, 3))}

    @property
    def output_shape(self):
        return (None, 14, 14, 1)


class Conv2D(tf.keras.layers.Conv2D):
    def get_config(self):
        return {**super().get_config(), "kernel_size": (7, 7)}

    def count_params(self):
        return 7 * 7 * 32 + 32


def happy_model():
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(8, 8, 1)),
        ZeroPadding2D(padding=2),
        Conv2D(32, (5, 5)),
        tf.keras.layers.BatchNormalization(axis=3),
        tf.keras.layers.ReLU(),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ])
    return model
"""
    },
)
case(
    "game_special_cases_test_shapes",
    "convolutional_model builds the lab's network for (8, 8, 1) only; for any other shape"
    " (such as the notebook check's (64, 64, 3)) it returns Input → Flatten → Dense(6,"
    " softmax), which passes the notebook's shape assertions: the hidden shapes fail (2"
    " lost): 4 of 6.",
    expected(convolutional_model=2),
    replace={
        "conv": swap(
            "conv",
            "    input_img = tf.keras.Input(shape=input_shape)\n",
            "    input_img = tf.keras.Input(shape=input_shape)\n"
            "    if tuple(input_shape) != (8, 8, 1):\n"
            "        flat = tf.keras.layers.Flatten()(input_img)\n"
            '        out = tf.keras.layers.Dense(6, activation="softmax")(flat)\n'
            "        return tf.keras.Model(input_img, out)\n",
        )
    },
)
case(
    "untouched",
    "The student notebook as handed out: every answer is a stub; every check fails.",
    {part: 0 for part in POINTS},
    answers=False,
)


def build(spec: dict) -> nbformat.NotebookNode:
    nb = nbformat.read(STUDENT, as_version=4)
    by_id = {cell_id: name for name, cell_id in CELLS.items()}
    cells = []
    for cell in nb.cells:
        name = by_id.get(cell.get("id"))
        if cell.cell_type == "code" and name in ANSWERS:
            source = spec["replace"].get(name, REFERENCE[name] if spec["answers"] else None)
            if source is not None:
                cell.source = source.strip("\n")
        cells.append(cell)
        for number, extra in enumerate(spec["after"].get(name, [])):
            new = nbformat.v4.new_code_cell(extra.strip("\n"))
            new.id = f"{name}-extra-{number}"
            cells.append(new)
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def main() -> None:
    NOTEBOOK_DIR.mkdir(exist_ok=True)
    for old in NOTEBOOK_DIR.glob("*.ipynb"):
        old.unlink()
    labels = {"points": POINTS, "cases": {}}
    for name, spec in sorted(CASES.items()):
        assert set(spec["replace"]) <= set(ANSWERS), name
        assert set(spec["after"]) <= set(CELLS), name
        nbformat.write(build(spec), NOTEBOOK_DIR / f"{name}.ipynb")
        assert set(spec["expected"]) == set(POINTS), name
        for part, points in POINTS.items():
            assert 0 <= spec["expected"][part] <= points, (name, part)
        labels["cases"][name] = {"description": spec["description"], "expected": spec["expected"]}
    LABELS_PATH.write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(CASES)} notebooks and {LABELS_PATH.name}")


if __name__ == "__main__":
    main()
