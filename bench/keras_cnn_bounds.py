"""The accuracy bounds of keras_cnn's training checks, measured: the lab's own solution,
trained by the grader's probe on many hidden draws, and the lowest held-out accuracy and
the share of draws whose loss fell. The checks' bounds (observations.py) must sit below
every draw's accuracy.

    .venv/bin/python -m bench.keras_cnn_bounds --draws 50
"""

import argparse
import os
import tempfile

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=50)
    draws = parser.parse_args().draws

    import nbformat

    from autograder.lab import get_lab
    from autograder.labs.keras_cnn import probes
    from autograder.labs.keras_cnn.hidden_inputs import NOTEBOOK_SHAPE, draw
    from autograder.labs.keras_cnn.observations import (
        BINARY_ACCURACY,
        BINARY_EPOCHS,
        MULTICLASS_ACCURACY,
        MULTICLASS_EPOCHS,
    )

    solution = nbformat.read(get_lab("keras_cnn").solution, as_version=4)
    namespace: dict = {}
    exec("import tensorflow as tf\nimport numpy as np", namespace)  # noqa: S102
    for cell in solution.cells:  # the two functions, as the solution writes them
        if cell.cell_type == "code" and cell.source.startswith(("def happy", "def conv")):
            exec(cell.source, namespace)  # noqa: S102
    os.chdir(tempfile.mkdtemp())
    probes.before_student_code(gpu=False)
    kinds = {
        "happy_model (digits 0, 1)": ("happy_model", [], True, BINARY_EPOCHS, BINARY_ACCURACY),
        "convolutional_model (0 to 5)": (
            "convolutional_model", [list(NOTEBOOK_SHAPE)], False, MULTICLASS_EPOCHS,
            MULTICLASS_ACCURACY,
        ),
    }  # fmt: skip
    print(f"{draws} hidden draws (seeds 0 to {draws - 1}) of the lab's solution:")
    print("| model | epochs | lowest accuracy | median | loss fell | the check's bound |")
    print("|---|---|---|---|---|---|")
    for label, (function, args, binary, epochs, bound) in kinds.items():
        accuracies, fell = [], 0
        for seed in range(draws):
            hidden = draw(seed)
            split = hidden.binary if binary else hidden.multiclass
            run = probes.fit_run(namespace, function, args, hidden.seed, split.train,
                                 split.test, binary, epochs)  # fmt: skip
            report = run["report"]
            accuracies.append(report["accuracy"])
            fell += report["losses"][-1] < report["losses"][0]
        accuracies.sort()
        print(f"| {label} | {epochs} | {accuracies[0]:.3f} | {accuracies[len(accuracies) // 2]:.3f}"
              f" | {fell}/{draws} | {bound} |")  # fmt: skip


if __name__ == "__main__":
    main()
