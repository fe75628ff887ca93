"""Environment of the student's process, fixed before TensorFlow is imported there."""

import os

# Legacy Keras keeps optimizer.minimize on TF >= 2.16. Always set, so a student who
# deletes the notebook's own line is still graded on the lab's Keras.
FORCED = {
    "TF_USE_LEGACY_KERAS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "MPLBACKEND": "Agg",
    "PYTHONDONTWRITEBYTECODE": "1",
}

CPU_ONLY = {"CUDA_VISIBLE_DEVICES": "-1"}


def child_environment(base: dict[str, str], *, gpu: bool) -> dict[str, str]:
    env = {key: value for key, value in base.items() if not key.startswith("AUTOGRADER_")}
    env.update(FORCED)
    if not gpu:
        env.update(CPU_ONLY)
    return env


def apply_in_child() -> None:
    """Belt and braces inside the child itself, before any TensorFlow import."""
    os.environ.update(FORCED)
