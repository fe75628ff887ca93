"""Hidden inputs for one submission, drawn from its seed, and the notebook's own inputs.

Kept in the grader process. The model's images are a fresh draw of the lab's digits each
time, under a shuffled naming of the six classes (a model that trains on anything but the
data it is given learns the wrong names); the other inputs are random numbers of the
shapes the lab uses. Values seen in one submission's feedback can't be replayed into
another.
"""

from dataclasses import dataclass

import numpy as np

from autograder.labs.tf_network.dataset import load_digits, notebook_split
from autograder.labs.tf_network.reference import CLASSES, SHAPES, glorot_parameters
from autograder.tflab.observer import tensor, variables

MODEL_TRAIN_SIZE = 256
MODEL_TEST_SIZE = 300
MODEL_EPOCHS = 10
MODEL_LEARNING_RATE = 0.01


@dataclass(frozen=True)
class OneHotCase:
    function = "one_hot_matrix"
    label: int
    depth: int | None  # None: the default C
    rank: int  # 0: a scalar label; 1: a label of shape (1,)

    @property
    def effective_depth(self) -> int:
        return CLASSES if self.depth is None else self.depth

    def call_text(self) -> str:
        label = f"tf.constant({self.label})" if self.rank == 0 else f"tf.constant([{self.label}])"
        return f"one_hot_matrix({label}{'' if self.depth is None else f', C={self.depth}'})"

    def args(self) -> dict:
        label = tensor(self.label if self.rank == 0 else [self.label], "int64")
        return {"args": [label] if self.depth is None else [label, self.depth]}


@dataclass(frozen=True)
class ForwardCase:
    function = "forward_propagation"
    x: np.ndarray  # (64, m) float32
    parameters: dict  # name -> float32 array

    def call_text(self) -> str:
        return f"forward_propagation(X of shape {self.x.shape}, parameters)"

    def args(self) -> dict:
        """X and the parameters as variables; the gradient of Z3 is followed to each."""
        return {"args": [tensor(self.x), variables(self.parameters)], "gradients": [1]}


@dataclass(frozen=True)
class LossCase:
    function = "compute_total_loss"
    logits: np.ndarray  # (6, m) float32
    labels: np.ndarray  # (6, m) one-hot float32

    def call_text(self) -> str:
        return f"compute_total_loss(logits, labels) with m = {self.logits.shape[1]} examples"

    def args(self) -> dict:
        """Logits and labels; the gradient of the loss with respect to the logits."""
        return {"args": [tensor(self.logits), tensor(self.labels)], "gradients": [0]}


@dataclass(frozen=True)
class ModelCase:
    train_indices: np.ndarray
    test_indices: np.ndarray
    minibatch_size: int
    class_names: tuple[int, ...]  # the class each digit stands for: digit d is class_names[d]
    learning_rate: float = MODEL_LEARNING_RATE
    num_epochs: int = MODEL_EPOCHS

    def data(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """X (m, 64), pixels scaled to [0, 1], and one-hot Y (m, 6), as model receives them."""
        images, digits = load_digits()
        classes = np.asarray(self.class_names)[digits[indices].astype(int)]
        return images[indices].astype(np.float32) / np.float32(16), np.eye(CLASSES)[classes]

    def args(self) -> dict:
        (x, y), (x_test, y_test) = self.data(self.train_indices), self.data(self.test_indices)
        return {
            "train": {"x": x.tolist(), "y": y.tolist()},
            "test": {"x": x_test.tolist(), "y": y_test.tolist()},
            "initial": {name: v.tolist() for name, v in glorot_parameters().items()},
            "learning_rate": self.learning_rate,
            "num_epochs": self.num_epochs,
            "minibatch_size": self.minibatch_size,
        }

    def call_text(self) -> str:
        return (
            f"model(...) on {len(self.train_indices)} training and {len(self.test_indices)} test"
            f" images, with learning_rate={self.learning_rate:g}, num_epochs={self.num_epochs},"
            f" minibatch_size={self.minibatch_size}"
        )

    @property
    def minibatches_per_epoch(self) -> int:
        return -(-len(self.train_indices) // self.minibatch_size)


@dataclass(frozen=True)
class HiddenInputs:
    one_hot: tuple[OneHotCase, ...]
    forward: tuple[ForwardCase, ...]
    loss: tuple[LossCase, ...]
    model: ModelCase


def _f32(array) -> np.ndarray:
    return np.round(np.asarray(array, dtype=np.float64), 4).astype(np.float32)


def _parameters(rng: np.random.Generator) -> dict:
    return {name: _f32(rng.normal(0, 0.4, size=shape)) for name, shape in SHAPES.items()}


def _loss_case(rng: np.random.Generator, m: int) -> LossCase:
    logits = _f32(rng.normal(0, 2.5, size=(CLASSES, m)))
    labels = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, size=m)].T
    return LossCase(logits, np.ascontiguousarray(labels))


def draw(seed: int) -> HiddenInputs:
    rng = np.random.default_rng(seed)
    one_hot = []
    for rank in (0, 0, 0, 1):
        depth = int(rng.integers(3, 13))
        one_hot.append(OneHotCase(int(rng.integers(0, depth)), depth, rank))
    one_hot += [OneHotCase(int(rng.integers(0, CLASSES)), None, rank) for rank in (0, 1)]
    forward = tuple(
        ForwardCase(_f32(rng.uniform(0, 1, size=(64, m))), _parameters(rng))
        for m in (1, int(rng.integers(3, 12)))
    )
    loss = (_loss_case(rng, 1), _loss_case(rng, int(rng.integers(5, 20))))
    count = len(load_digits()[1])
    order = rng.permutation(count)
    model = ModelCase(
        np.sort(order[:MODEL_TRAIN_SIZE]),
        np.sort(order[MODEL_TRAIN_SIZE : MODEL_TRAIN_SIZE + MODEL_TEST_SIZE]),
        int(rng.choice([40, 48])),  # not the default 32: the argument must be used
        tuple(int(c) for c in rng.permutation(CLASSES)),
    )
    return HiddenInputs(tuple(one_hot), forward, loss, model)


# -- the inputs the notebook shows: answers hard-coded from them earn at most 15% ----------

NOTEBOOK_ONE_HOT = (OneHotCase(1, None, 0), OneHotCase(4, None, 0))


def notebook_forward() -> ForwardCase:
    """The notebook's example: its first two training images with the initial parameters."""
    images, _ = load_digits()
    train, _ = notebook_split(len(images))
    x = (images[train[:2]].astype(np.float32) / np.float32(16)).T
    return ForwardCase(np.ascontiguousarray(x), glorot_parameters())


def notebook_loss() -> LossCase:
    logits = [[2.0, -1.0], [0.5, 0.0], [-1.0, 3.0], [0.0, 0.5], [1.0, -2.0], [-0.5, 1.0]]
    labels = np.eye(CLASSES, dtype=np.float32)[[0, 2]].T
    return LossCase(np.array(logits, dtype=np.float32), np.ascontiguousarray(labels))
