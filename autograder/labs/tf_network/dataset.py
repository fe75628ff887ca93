"""The lab's digits, read from the file shipped beside this module."""

from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).parent / "data"
DIGITS = DATA_DIR / "digits_0_5.npz"
GLOROT = DATA_DIR / "glorot_normal_seed_1.npz"
# Where the notebook reads the digits: a data/ folder beside it
NOTEBOOK_PATH = Path("data") / DIGITS.name

# The notebook's split: a permutation drawn with this seed, its first TRAIN_SIZE images
SPLIT_SEED = 0
TRAIN_SIZE = 864


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """Pixels as integers 0..16 (n × 64, uint8) and labels 0..5 (uint8)."""
    with np.load(DIGITS) as data:
        return data["images"], data["labels"]


def notebook_split(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the notebook's training and test images."""
    order = np.random.default_rng(SPLIT_SEED).permutation(count)
    return order[:TRAIN_SIZE], order[TRAIN_SIZE:]
