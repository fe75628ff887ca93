"""Hidden conditions for one submission, drawn from its seed, kept in the grader process:
input shapes for convolutional_model other than the notebook's, and which digits train
and which judge the models the grader trains."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

LABELS = Path(__file__).parent / "data" / "digits_0_5.npz"
NOTEBOOK_SHAPE = (8, 8, 1)
HELD_OUT = 0.25  # of the digits drawn, the share that judges the trained model


@dataclass(frozen=True)
class Split:
    train: list[int]
    test: list[int]


@dataclass(frozen=True)
class HiddenInputs:
    seed: int
    shapes: tuple[tuple[int, int, int], ...]  # convolutional_model's other input shapes
    binary: Split  # digits 0 and 1
    multiclass: Split  # digits 0 to 5


def _split(rng: np.random.Generator, indices: np.ndarray) -> Split:
    order = rng.permutation(indices)
    cut = int(len(order) * (1 - HELD_OUT))
    return Split(sorted(order[:cut].tolist()), sorted(order[cut:].tolist()))


def draw(seed: int) -> HiddenInputs:
    rng = np.random.default_rng(seed)
    shapes = []
    while len(shapes) < 2:
        shape = (int(rng.integers(9, 65)), int(rng.integers(9, 65)), int(rng.integers(1, 4)))
        if shape not in shapes:
            shapes.append(shape)
    with np.load(LABELS) as data:
        labels = data["labels"]
    return HiddenInputs(
        seed=seed % 2**31,
        shapes=tuple(shapes),
        binary=_split(rng, np.flatnonzero(labels <= 1)),
        multiclass=_split(rng, np.arange(len(labels))),
    )
