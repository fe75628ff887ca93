"""The probes' ScalarAdam gives exactly what tf_keras's Adam gives, bit for bit."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "tests" / "scripts" / "compare_adam.py"


@pytest.fixture(scope="module")
def runs() -> dict:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


@pytest.mark.parametrize(
    "scenario",
    ["lab", "wiggly", "minimize", "two_variables", "changed_mid_run", "back_and_forth"],
)
def test_every_value_and_slot_matches_tf_keras_bit_for_bit(runs, scenario):
    keras, scalar = runs[scenario]["keras"], runs[scenario]["scalar"]
    assert keras["error"] is None and keras["finite"]
    assert len(keras["seen"]) >= 300
    assert scalar["seen"] == keras["seen"]
    assert scalar["slots"] == keras["slots"]
    assert scalar["iterations"] == keras["iterations"] >= 300


@pytest.mark.parametrize("scenario", ["new_variable_later", "missing_gradient"])
def test_mistakes_raise_the_same_error_after_the_same_updates(runs, scenario):
    keras, scalar = runs[scenario]["keras"], runs[scenario]["scalar"]
    assert keras["error"] is not None
    assert scalar == keras
