"""The network lab: a three-layer classifier of handwritten digits 0 to 5, by hand in TensorFlow.

This module is imported in both processes, so it holds metadata only: the checks are
found on disk by the grader, never imported from here.
"""

from pathlib import Path

from autograder.lab import Lab
from autograder.labs.tf_network.hints import HINTS

HERE = Path(__file__).parent

LAB = Lab(
    name="tf_network",
    title="A neural network in TensorFlow: classifying handwritten digits 0 to 5",
    notebook_name="tf_network.ipynb",
    probes_module="autograder.labs.tf_network.probes",
    checks_dir=HERE / "checks",
    parts={
        "one_hot_matrix": 1.0,
        "initialize_parameters": 1.0,
        "forward_propagation": 2.0,
        "compute_total_loss": 2.0,
        "model": 4.0,
    },
    hints=HINTS,
)
