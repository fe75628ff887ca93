"""The TensorFlow introduction lab: minimise J(w) = w² − 10w + 25 with Adam.

This module is imported in both processes, so it holds metadata only: the checks are
found on disk by the grader, never imported from here.
"""

from pathlib import Path

from autograder.lab import Lab
from autograder.labs.tf_intro.hints import HINTS

HERE = Path(__file__).parent

LAB = Lab(
    name="tf_intro",
    title="Introduction to TensorFlow: minimising J(w) = w² − 10w + 25",
    notebook_name="tf_intro.ipynb",
    probes_module="autograder.labs.tf_intro.probes",
    checks_dir=HERE / "checks",
    parts={"train_step": 4.0, "trainable_variables": 2.0, "minimize": 4.0},
    hints=HINTS,
)
