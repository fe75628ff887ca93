"""The worked example of docs/writing-a-lab.md is a lab that really grades.

Its probe and check are taken from the guide as written, put in a lab folder with a
lab.toml and a draw of hidden inputs, and run over three notebooks: the same correct step
bound two ways, and a cost scaled by 2.
"""

import re

from tests.conftest import ROOT, grade_folder, notebook_bytes

GUIDE = ROOT / "docs" / "writing-a-lab.md"
SETUP = """import os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tensorflow as tf
"""
BY_GLOBALS = """w = tf.Variable(0.0)
opt = tf.keras.optimizers.SGD(0.1)
def fit_step():
    with tf.GradientTape() as tape:
        cost = w ** 2
    opt.apply_gradients(zip(tape.gradient(cost, [w]), [w]))
"""
BY_CLOSURE = """def make_step():
    weight, sgd = tf.Variable(1.0), tf.keras.optimizers.SGD(0.05)
    def step():
        with tf.GradientTape() as tape:
            loss = tf.square(weight)
        sgd.apply_gradients([(tape.gradient(loss, weight), weight)])
    return step
fit_step = make_step()
"""
SCALED = BY_GLOBALS.replace("cost = w ** 2", "cost = 2 * w ** 2")


def _blocks() -> list[str]:
    section = GUIDE.read_text(encoding="utf-8").split("### A worked example")[1]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_guides_probe_and_check_grade_a_lab(tmp_path):
    probe, check, conftest = _blocks()
    lab = tmp_path / "fit_lab"
    (lab / "checks").mkdir(parents=True)
    (lab / "lab.toml").write_text(
        'name = "fit_lab"\ntitle = "One step"\nnotebook = "fit.ipynb"\n[parts]\nfit_step = 1\n'
    )
    (lab / "probes.py").write_text(probe)
    (lab / "checks" / "check_fit.py").write_text(check)
    draw = (
        "from types import SimpleNamespace\n\n\n"
        "def draw(seed):\n    return SimpleNamespace(start=1.5 + seed % 7)\n\n\n"
    )
    (lab / "checks" / "conftest.py").write_text(draw + conftest)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name, cell in (("globals", BY_GLOBALS), ("closure", BY_CLOSURE), ("scaled", SCALED)):
        (notebooks / f"{name}.ipynb").write_bytes(notebook_bytes(SETUP, cell))
    results = grade_folder(notebooks, tmp_path / "out", "--lab", str(lab))
    assert {name: result["score"] for name, result in results.items()} == {
        "globals": 1.0,
        "closure": 1.0,
        "scaled": 0.0,
    }
    assert "2 times the right one" in results["scaled"]["tests"][0]["output"]
