"""keras_cnn's probes, in the student's process: the student's model functions called
afresh, their models described layer by layer, the notebook's compiled models found by
value, and a fresh model trained on the digits the grader chooses."""

import shutil
from pathlib import Path

import numpy as np
import tf_keras

from autograder.sandbox.cells import describe_error
from autograder.tflab.keras_models import (
    KERAS_GUARDED,
    compiled_models,
    describe_compiled,
    describe_model,
    fit_report,
)
from autograder.tflab.readers import GUARDED as TENSORFLOW_GUARDED
from autograder.tflab.readers import student_function

GUARDED = (*TENSORFLOW_GUARDED, *KERAS_GUARDED)
DIGITS = Path(__file__).parent / "data" / "digits_0_5.npz"
NOTEBOOK_DIGITS = Path("data") / DIGITS.name  # where the notebook reads them


def _built(namespace: dict, function: str, args: list, seed: int):
    tf_keras.utils.set_random_seed(seed)  # the same initial weights at every regrade
    return student_function(namespace, function)(*[tuple(a) if isinstance(a, list) else a
                                                    for a in args])  # fmt: skip


def model_run(namespace: dict, function: str, args: list, seed: int) -> dict:
    """The model `function(*args)` returns, described; and how it is compiled, if it is."""
    try:
        model = _built(namespace, function, args, seed)
    except Exception as failure:  # noqa: BLE001 - the student's error is the observation
        return {"error": describe_error(failure), "model": None, "compiled": None}
    return {"error": None, "model": describe_model(model), "compiled": describe_compiled(model)}


def compiled_run(namespace: dict) -> dict:
    """Every compiled model the notebook holds, whatever its name."""
    return {"models": compiled_models(namespace)}


def fit_run(namespace: dict, function: str, args: list, seed: int, train: list, test: list,
            binary: bool, epochs: int) -> dict:  # fmt: skip
    """A fresh model from `function(*args)`, trained on the digits `train`, judged on `test`."""
    with np.load(NOTEBOOK_DIGITS) as data:
        images = data["images"].reshape(-1, 8, 8, 1).astype(np.float32) / 16
        labels = data["labels"].astype(np.float32 if binary else np.int64)
    try:
        model = _built(namespace, function, args, seed)
        report = fit_report(model, (images[train], images[test]),
                            (labels[train], labels[test]), binary, epochs, seed)  # fmt: skip
    except Exception as failure:  # noqa: BLE001
        return {"error": describe_error(failure), "report": None}
    return {"error": None, "report": report}


PROBES = {"model_run": model_run, "compiled_run": compiled_run, "fit_run": fit_run}


def before_student_code(gpu: bool) -> None:
    """The notebook reads the digits from data/ beside it: a copy goes into its folder,
    before the process is confined, while the lab's own folder is still readable."""
    NOTEBOOK_DIGITS.parent.mkdir(exist_ok=True)
    shutil.copyfile(DIGITS, NOTEBOOK_DIGITS)
