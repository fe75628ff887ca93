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

# Several student processes share a GPU: each one's TensorFlow takes GPU memory as it needs
# it, not nearly all of it at once as it otherwise would. TensorFlow reads this when it makes
# its GPU device, which happens in the student's process only: the fork server that passes
# its environment on never runs an op.
GPU_SHARED = {"TF_FORCE_GPU_ALLOW_GROWTH": "true"}


def child_environment(base: dict[str, str], *, gpu: bool) -> dict[str, str]:
    """The environment of the process that runs student code (or forks it), from `base`."""
    env = {key: value for key, value in base.items() if not key.startswith("AUTOGRADER_")}
    env.update(FORCED)
    env.update(GPU_SHARED if gpu else CPU_ONLY)
    return env


def apply_in_child() -> None:
    """Belt and braces inside the child itself, before any TensorFlow import."""
    os.environ.update(FORCED)
