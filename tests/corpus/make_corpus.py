"""Generate the labelled corpus of student submissions for the tf_intro lab.

Run from the repository root:

    .venv/bin/python tests/corpus/make_corpus.py

It writes ``tests/corpus/notebooks/<case>.ipynb`` (one nbformat-v4 notebook per case) and
``tests/corpus/labels.json`` (the expected score of every case for each graded part).

Every notebook starts from the canonical, correct student notebook (``canonical_cells``).
Each cell of that template has a *role* ("setup", "train_step", "part2_setup", "training", ...)
and a case describes only what its student did differently: which roles get a new source
(``replace``; ``None`` deletes the cell), which extra cells were added after a role (``after``)
and which cells carry saved outputs (``outputs``).  The grader ignores outputs; they are there
because real submissions have them.

The labels follow the hidden checks of the lab (points per part in ``POINTS``).  The probes
find the notebook's w and optimizer wherever train_step reaches them (the globals it names,
default arguments, closures, a bound method's instance or class, functools.partial arguments,
dicts/lists of state, module-level aliases, helpers it calls) and reset them in place: w to the
probe's start, the optimizer to a fresh state with learning rate 0.1.

* train_step (4): first step from w=0 with a fresh Adam(0.1) gives 0.09999931 (0.5); 1000 steps
  from 0 reach 5 within 1e-3 (0.5); from hidden starts the first 25 steps follow the reference
  Adam trajectory (1); the gradient handed to the optimizer is 2w-10 at every step (1); those
  gradients are the very tensors tape.gradient returned in that step (1).
* trainable_variables (2): each step the optimizer receives exactly one (gradient, variable)
  pair whose variable is the notebook's current w (1); the list the step builds (the `sources`
  of tape.gradient, else train_step's local `trainable_variables`) is a list/tuple holding
  exactly w (1).  When no well-formed pair reaches any optimizer (train_step raises before
  apply_gradients, hands it malformed pairs such as (variable, gradient), or never uses an
  optimizer), the first point is judged from that list instead: it passes if the list
  differentiates exactly w (a `tf.Variable(w)` copy still fails).
* minimize (4): training([1,-10,25], w, Adam(0.1)) returns the w passed in and it is within
  1e-3 of 5 (0.5); with hidden coefficients the passed-in w converges to -x1/(2*x0) (1.5);
  exactly 1000 updates reach the optimizer passed in (1); the gradients it receives are
  2*x0*w + x1 at every step (1).  If `training` raises, every minimize check fails.

Numbers quoted in the descriptions were observed with tensorflow 2.21.0 / tf-keras 2.21.0 and
TF_USE_LEGACY_KERAS=1 set before importing TensorFlow.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

HERE = Path(__file__).resolve().parent
NOTEBOOK_DIR = HERE / "notebooks"
LABELS_PATH = HERE / "labels.json"

POINTS = {"train_step": 4, "trainable_variables": 2, "minimize": 4}

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python", "version": "3.11.2", "mimetype": "text/x-python"}


def clean(source: str) -> str:
    """Dedent a triple-quoted source and drop its leading/trailing blank lines."""
    return textwrap.dedent(source).strip("\n")


# ---------------------------------------------------------------------------------------------
# Cells and outputs
# ---------------------------------------------------------------------------------------------


@dataclass
class Cell:
    role: str
    source: str
    kind: str = "code"  # "code" or "markdown"
    outputs: list = field(default_factory=list)


def code(source: str, *, role: str = "extra", outputs: list | None = None) -> Cell:
    return Cell(role, clean(source), "code", list(outputs or []))


def md(source: str, *, role: str = "extra_md") -> Cell:
    return Cell(role, clean(source), "markdown")


def stdout(text: str) -> dict:
    return new_output("stream", name="stdout", text=text)


def stderr(text: str) -> dict:
    return new_output("stream", name="stderr", text=text)


def error(ename: str, evalue: str, *frames: str) -> dict:
    """An error output the way Jupyter stores it (traceback lines are plain text here)."""
    traceback = [
        "-" * 75,
        f"{ename}{' ' * max(1, 42 - len(ename))}Traceback (most recent call last)",
        *frames,
        f"{ename}: {evalue}",
    ]
    return new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def figure() -> dict:
    return new_output("display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>"})


def variable_repr(value: str) -> str:
    return f"<tf.Variable 'Variable:0' shape=() dtype=float32, numpy={value}>\n"


# ---------------------------------------------------------------------------------------------
# The canonical (correct) notebook and the untouched stubs
# ---------------------------------------------------------------------------------------------

OTTER_INIT = """
import otter
grader = otter.Notebook("tf_intro.ipynb")
"""

SETUP = """
import os
os.environ["TF_USE_LEGACY_KERAS"] = "1"  # legacy Keras keeps optimizer.minimize; set before importing TensorFlow

import numpy as np
import tensorflow as tf
"""  # noqa: E501 (the handed-out cell has this long line)

PART1_SETUP = """
w = tf.Variable(0, dtype=tf.float32)
optimizer = tf.keras.optimizers.Adam(0.1)
"""

TRAIN_STEP = """
def train_step():
    with tf.GradientTape() as tape:
        cost = w ** 2 - 10 * w + 25
    trainable_variables = [w]
    grads = tape.gradient(cost, trainable_variables)
    optimizer.apply_gradients(zip(grads, trainable_variables))
"""

TRAIN_STEP_STUB = """
def train_step():
    with tf.GradientTape() as tape:
        # Write the cost J(w) = w**2 - 10*w + 25 (about 1 line)
        cost = ...
    # The list of variables to train (about 1 line)
    trainable_variables = ...
    # Gradients of the cost with respect to those variables (about 1 line)
    grads = ...
    # Hand the (gradient, variable) pairs to the optimizer (about 1 line)
    ...
"""

FIRST_STEP = """
train_step()
print(w)
"""

TRAIN_LOOP = """
for i in range(1000):
    train_step()
print(w)
"""

PART2_SETUP = """
w = tf.Variable(0, dtype=tf.float32)
optimizer = tf.keras.optimizers.Adam(0.1)
x = np.array([1.0, -10.0, 25.0], dtype=np.float32)
"""

TRAINING = """
def training(x, w, optimizer):
    def cost_fn():
        return x[0] * w ** 2 + x[1] * w + x[2]
    for i in range(1000):
        optimizer.minimize(cost_fn, [w])
    return w
"""

TRAINING_STUB = """
def training(x, w, optimizer):
    def cost_fn():
        return x[0] * w ** 2 + x[1] * w + x[2]
    # Run 1000 steps of optimizer.minimize on cost_fn (about 2 lines)
    ...
    return w
"""

RUN_TRAINING = """
w = training(x, w, optimizer)
print(w)
"""

# The two graded functions as the student received them.
STUBS = {"train_step": TRAIN_STEP_STUB, "training": TRAINING_STUB}

# Outputs of a correct run (values observed in .venv).
FIRST_STEP_OUT = [stdout(variable_repr("0.09999931"))]
LOOP_OUT = [stdout(variable_repr("5.000001"))]


def canonical_cells() -> list[Cell]:
    """The correct solution notebook; every cell has a role that cases refer to."""
    return [
        md(
            """
            # Introduction to TensorFlow: minimising a cost with `GradientTape`

            We minimise $J(w) = w^2 - 10w + 25 = (w - 5)^2$, whose minimum is at $w = 5$.
            Run the cells in order; `grader.check` runs the public tests.
            """,
            role="md_title",
        ),
        code(OTTER_INIT, role="otter_init"),
        md("## Setup", role="md_setup"),
        code(SETUP, role="setup"),
        md(
            """
            ## Part 1: one optimisation step by hand

            `w` is the parameter to learn and `optimizer` is Adam with learning rate 0.1.
            """,
            role="md_part1",
        ),
        code(PART1_SETUP, role="part1_setup"),
        md(
            """
            ### Exercise 1: `train_step`

            Inside a `tf.GradientTape`, compute the cost. Then build the list of trainable
            variables, ask the tape for the gradients and apply them with the optimizer.
            """,
            role="md_train_step",
        ),
        code(TRAIN_STEP, role="train_step"),
        code(FIRST_STEP, role="first_step"),
        code('grader.check("train_step")', role="check_train_step"),
        md("Now run 1000 steps. `w` should end up very close to 5.", role="md_train_loop"),
        code(TRAIN_LOOP, role="train_loop"),
        md(
            """
            ## Part 2: letting the optimizer do the work

            Now the cost has coefficients, $J(w) = x_0 w^2 + x_1 w + x_2$, and
            `optimizer.minimize(cost_fn, var_list)` computes the gradients for you.
            """,
            role="md_part2",
        ),
        code(PART2_SETUP, role="part2_setup"),
        md(
            """
            ### Exercise 2: `training`

            Complete `training(x, w, optimizer)`: run 1000 steps of `optimizer.minimize` on
            `cost_fn` and return `w`.
            """,
            role="md_training",
        ),
        code(TRAINING, role="training"),
        code(RUN_TRAINING, role="run_training"),
        code('grader.check("training")', role="check_training"),
        md("## Submission\n\nSave the notebook, then run the cell below.", role="md_submit"),
        code("grader.export(pdf=False)", role="export"),
    ]


TEMPLATE_ROLES = {cell.role for cell in canonical_cells()}


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    description: str
    expected: dict[str, float]
    replace: dict[str, str | None] = field(default_factory=dict)
    after: dict[str, list[Cell]] = field(default_factory=dict)
    outputs: dict[str, list] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for mapping in (self.replace, self.after, self.outputs):
            unknown = set(mapping) - TEMPLATE_ROLES
            if unknown:
                raise ValueError(f"{self.name}: unknown roles {sorted(unknown)}")
        if set(self.expected) != set(POINTS):
            raise ValueError(f"{self.name}: expected must score exactly {sorted(POINTS)}")
        for part, score in self.expected.items():
            if not 0 <= score <= POINTS[part]:
                raise ValueError(f"{self.name}: {part}={score} outside 0..{POINTS[part]}")


def marks(train_step: float, trainable_variables: float, minimize: float) -> dict[str, float]:
    return {
        "train_step": train_step,
        "trainable_variables": trainable_variables,
        "minimize": minimize,
    }


FULL = marks(4, 2, 4)
NOTHING = marks(0, 0, 0)

# Outputs for the cells of a fully working run; cases spread this into `outputs`.
WORKING_OUTPUTS = {"first_step": FIRST_STEP_OUT, "train_loop": LOOP_OUT, "run_training": LOOP_OUT}


VALID_CASES = [
    Case(
        "valid_reference",
        "The canonical solution, executed, with its printed outputs; every check passes.",
        FULL,
        outputs=dict(WORKING_OUTPUTS),
    ),
    Case(
        "valid_tf_square",
        "Cost written with tf.square: tf.square(w - 5) in train_step and "
        "x[0] * tf.square(w) + x[1] * w + x[2] in training; same gradients, full marks.",
        FULL,
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = tf.square(w - 5)
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():
                        return x[0] * tf.square(w) + x[1] * w + x[2]
                    for i in range(1000):
                        optimizer.minimize(cost_fn, [w])
                    return w
                """,
        },
    ),
    Case(
        "valid_var_list_kw",
        "optimizer.minimize(cost_fn, var_list=[w]) with the keyword; identical behaviour.",
        FULL,
        replace={
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():
                        return x[0] * w ** 2 + x[1] * w + x[2]
                    for i in range(1000):
                        optimizer.minimize(cost_fn, var_list=[w])
                    return w
                """,
        },
    ),
    Case(
        "valid_lambda",
        "The cost is an inline lambda: optimizer.minimize(lambda: ..., [w]); full marks.",
        FULL,
        replace={
            "training": """
                def training(x, w, optimizer):
                    for i in range(1000):
                        optimizer.minimize(lambda: x[0] * w ** 2 + x[1] * w + x[2], [w])
                    return w
                """,
        },
    ),
    Case(
        "valid_while_loop",
        "A while loop with a manual counter instead of for/range; still exactly 1000 "
        "minimize calls, full marks.",
        FULL,
        replace={
            "train_loop": """
                step = 0
                while step < 1000:
                    train_step()
                    step += 1
                print(w)
                """,
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():
                        return x[0] * w ** 2 + x[1] * w + x[2]
                    step = 0
                    while step < 1000:
                        optimizer.minimize(cost_fn, [w])
                        step += 1
                    return w
                """,
        },
    ),
    Case(
        "valid_helper_function",
        "The cost comes from a helper J(w, coefficients) defined after the setup cell and "
        "used by both train_step (default coefficients 1, -10, 25) and training (x); "
        "the helper is called at run time with the grader's w, so full marks.",
        FULL,
        after={
            "setup": [
                code(
                    '''
                    def J(w, coefficients=(1.0, -10.0, 25.0)):
                        """Quadratic cost a*w**2 + b*w + c; the defaults give (w - 5)**2."""
                        a, b, c = coefficients
                        return a * w ** 2 + b * w + c
                    '''
                )
            ]
        },
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = J(w)
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
            "training": """
                def training(x, w, optimizer):
                    for i in range(1000):
                        optimizer.minimize(lambda: J(w, x), [w])
                    return w
                """,
        },
    ),
    Case(
        "valid_hand_built_pairs",
        "apply_gradients([(grads[0], w)]) with a hand-built pair list instead of zip; the "
        "pair is still (tape gradient, current w), full marks.",
        FULL,
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients([(grads[0], w)])
                """,
        },
    ),
    Case(
        "valid_tf_function",
        "train_step decorated with @tf.function; the grader probes its .python_function. "
        "Observed: the decorated step runs eagerly-equivalent in the notebook (first step "
        "0.09999931, 1000 steps 5.000001) and has a python_function attribute.",
        FULL,
        replace={
            "train_step": """
                @tf.function
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
        outputs=dict(WORKING_OUTPUTS),
    ),
    Case(
        "valid_tf_function_step_in_training",
        "training defines `@tf.function def step(): optimizer.minimize(cost_fn, [w])` and "
        "calls step() 1000 times. Observed under plain TensorFlow: w = 5.000001 and the "
        "optimizer's iterations = 1000, but after tracing no Python call reaches "
        "apply_gradients; the grader runs tf.function bodies eagerly while it observes, so "
        "every update is seen: full marks.",
        FULL,
        replace={
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():
                        return x[0] * w ** 2 + x[1] * w + x[2]
                    @tf.function
                    def step():
                        optimizer.minimize(cost_fn, [w])
                    for i in range(1000):
                        step()
                    return w
                """,
        },
    ),
    Case(
        "valid_tf_function_inner_step",
        "train_step() only calls a module-level `@tf.function` that holds the tape, the list "
        "and apply_gradients over the globals w and optimizer. A traced graph keeps the "
        "variables it was traced with, so the grader's fresh w would never be seen; run "
        "eagerly while observed, it is: full marks.",
        FULL,
        replace={
            "train_step": """
                @tf.function
                def adam_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))

                def train_step():
                    adam_step()
                """,
        },
        outputs=dict(WORKING_OUTPUTS),
    ),
    Case(
        "valid_single_variable",
        "grad = tape.gradient(cost, w) with w alone, then "
        "optimizer.apply_gradients([(grad, w)]): valid TensorFlow with the right values "
        "(observed: first step 0.09999931, 1000 steps 5.000001). The variable differentiated "
        "and updated is exactly the notebook's w: full marks, with a tip about the list form.",
        FULL,
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    grad = tape.gradient(cost, w)
                    optimizer.apply_gradients([(grad, w)])
                """,
        },
        outputs=dict(WORKING_OUTPUTS),
    ),
    Case(
        "valid_renamed_optimizer",
        "The part-1 setup names its optimizer `opt = tf.keras.optimizers.Adam(0.1)` and "
        "train_step calls opt.apply_gradients: correct in the notebook (observed: 5.000001 "
        "after 1000 steps). The grader hands train_step a fresh Adam under whatever name the "
        "notebook gave it: full marks.",
        FULL,
        replace={
            "part1_setup": """
                w = tf.Variable(0, dtype=tf.float32)
                opt = tf.keras.optimizers.Adam(0.1)
                """,
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    opt.apply_gradients(zip(grads, trainable_variables))
                """,
        },
        outputs=dict(WORKING_OUTPUTS),
    ),
    Case(
        "valid_magics",
        "IPython magics everywhere: a !pip install cell, %matplotlib inline and "
        "%load_ext/%autoreload in the setup cell, %%time on the loop and training cells; "
        "the grader turns magics into Python and skips shell lines, full marks.",
        FULL,
        after={"md_title": [code('!pip install --quiet "otter-grader==7.0.0"')]},
        replace={
            "setup": """
                %matplotlib inline
                %load_ext autoreload
                %autoreload 2
                import os
                os.environ["TF_USE_LEGACY_KERAS"] = "1"  # legacy Keras keeps optimizer.minimize

                import numpy as np
                import tensorflow as tf
                """,
            "train_loop": """
                %%time
                for i in range(1000):
                    train_step()
                print(w)
                """,
            "run_training": """
                %%time
                w = training(x, w, optimizer)
                print(w)
                """,
        },
        outputs={
            "train_loop": [stdout(variable_repr("5.000001") + "CPU times: user 2.1 s\n")],
        },
    ),
    Case(
        "valid_plots",
        "Records the cost in the 1000-step loop and plots it with matplotlib and "
        "plt.show(), plus a plot of J around the minimum after training; full marks.",
        FULL,
        replace={
            "train_loop": """
                import matplotlib.pyplot as plt

                costs = []
                for i in range(1000):
                    train_step()
                    costs.append(float((w - 5) ** 2))
                plt.plot(costs)
                plt.xlabel("iteration")
                plt.ylabel("J(w)")
                plt.title("Cost during training")
                plt.show()
                print(w)
                """,
        },
        after={
            "run_training": [
                code(
                    """
                    grid = np.linspace(0, 10, 101)
                    plt.plot(grid, x[0] * grid ** 2 + x[1] * grid + x[2], label="J(w)")
                    plt.axvline(w.numpy(), color="red", linestyle="--", label="trained w")
                    plt.legend()
                    plt.show()
                    """,
                    outputs=[figure()],
                )
            ]
        },
        outputs={"train_loop": [figure(), stdout(variable_repr("5.000001"))]},
    ),
    Case(
        "valid_otter_cells_kept",
        "All otter scaffolding kept and used more than usual: BEGIN/END QUESTION markers, "
        "repeated grader.check calls with saved results, grader.check_all() and "
        "export(run_tests=True); the grader stubs otter, full marks.",
        FULL,
        after={
            "md_train_step": [md("<!-- BEGIN QUESTION -->")],
            "check_train_step": [
                md("<!-- END QUESTION -->"),
                code('grader.check("train_step")  # again, after re-running the cell'),
            ],
            "md_training": [md("<!-- BEGIN QUESTION -->")],
            "check_training": [md("<!-- END QUESTION -->"), code("grader.check_all()")],
        },
        replace={"export": "grader.export(pdf=False, run_tests=True)"},
        outputs={
            **WORKING_OUTPUTS,
            "check_train_step": [stdout("train_step results: All test cases passed!\n")],
            "check_training": [stdout("training results: All test cases passed!\n")],
        },
    ),
    Case(
        "valid_no_otter_cells",
        "The student deleted every otter cell (import otter, grader.check, grader.export); "
        "the graded functions are intact, full marks.",
        FULL,
        replace={
            "otter_init": None,
            "check_train_step": None,
            "check_training": None,
            "export": None,
        },
    ),
    Case(
        "valid_non_ascii",
        "Non-ASCII everywhere: French/Chinese/Greek/emoji markdown, comments and strings, a "
        "Greek identifier for the learning rate and print('w → 5 ✓'); full marks.",
        FULL,
        after={
            "md_title": [
                md(
                    """
                    **Notes de l'étudiante** : on minimise $J(w) = (w - 5)^2$ 🎯.
                    学习率 α = 0.1；最小值在 w = 5。 Ελαχιστοποίηση κόστους με κλίση ∇J. 🚀✨
                    """
                )
            ]
        },
        replace={
            "part1_setup": """
                α = 0.1  # taux d'apprentissage (学习率)
                w = tf.Variable(0, dtype=tf.float32)
                optimizer = tf.keras.optimizers.Adam(α)
                """,
            "train_step": """
                def train_step():
                    # Coût J(w) = w² − 10w + 25 — 计算成本 😀
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]  # μεταβλητές
                    grads = tape.gradient(cost, trainable_variables)  # ∇J
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
            "train_loop": """
                for i in range(1000):
                    train_step()
                print(w)
                print("w → 5 ✓" if abs(w.numpy() - 5) < 1e-3 else "pas encore… 🤔")
                """,
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():  # J(w) = x₀·w² + x₁·w + x₂
                        return x[0] * w ** 2 + x[1] * w + x[2]
                    for i in range(1000):  # mille itérations
                        optimizer.minimize(cost_fn, [w])
                    return w
                """,
        },
        outputs={
            "first_step": FIRST_STEP_OUT,
            "train_loop": [stdout(variable_repr("5.000001") + "w → 5 ✓\n")],
        },
    ),
    Case(
        "valid_endless_scratch_cell",
        "A scratch cell `while True: pass` after every definition and call (just before "
        "the submission cell); the grader stops it at its time limit and continues, full "
        "marks.",
        FULL,
        after={
            "check_training": [
                code(
                    """
                    # scratch: keep the kernel busy while I read the docs
                    while True:
                        pass
                    """,
                    outputs=[
                        error(
                            "KeyboardInterrupt",
                            "",
                            "Cell In[12], line 3",
                            "      2 while True:",
                            "----> 3     pass",
                        )
                    ],
                )
            ]
        },
    ),
    Case(
        "valid_no_env_line",
        "The student deleted the TF_USE_LEGACY_KERAS lines from the setup cell; the grader "
        "always sets the variable itself, so optimizer.minimize still exists: full marks.",
        FULL,
        replace={
            "setup": """
                import numpy as np
                import tensorflow as tf
                """,
        },
    ),
    Case(
        "valid_reordered_extra_cells",
        "training is defined right after the setup cell (before part 1), plus exploratory "
        "cells (version print, inspecting w and the optimizer) and two cells raising "
        "unrelated errors (NameError on `tape`, ZeroDivisionError) after the definitions; "
        "errors are recorded and execution continues, full marks.",
        FULL,
        replace={"training": None},
        after={
            "setup": [
                md("Writing Exercise 2 first, because it looked shorter."),
                code(TRAINING),
                code("print(tf.__version__, np.__version__)", outputs=[stdout("2.21.0 2.4.6\n")]),
            ],
            "first_step": [
                code("type(optimizer), w.dtype, w.numpy()"),
                code(
                    """
                    # what does the gradient look like here?
                    print(tape.gradient(cost, [w]))
                    """,
                    outputs=[
                        error(
                            "NameError",
                            "name 'tape' is not defined",
                            "Cell In[7], line 2",
                            "----> 2 print(tape.gradient(cost, [w]))",
                        )
                    ],
                ),
            ],
            "run_training": [
                code(
                    """
                    rate = 1 / 0  # checking what happens
                    """,
                    outputs=[error("ZeroDivisionError", "division by zero")],
                ),
                code('print("done with part 2", w.numpy())'),
            ],
        },
    ),
    Case(
        "valid_tuple_sources",
        "trainable_variables = (w,) is a tuple, which the check accepts (list or tuple of "
        "length 1). Observed: tape.gradient(cost, (w,)) returns a tuple, zip/apply_gradients "
        "work and the first step gives 0.09999931.",
        FULL,
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = (w,)
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
    ),
    Case(
        "valid_tf_math",
        "Cost built from tf.add/tf.subtract/tf.multiply/tf.math.pow in train_step and "
        "tf.math.polyval in training. Observed: gradient of the pow form at w=0 is -10.0, "
        "first step 0.09999931; polyval gradient at w=3 with [1,-10,25] is -4.0 (=2*3-10).",
        FULL,
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = tf.add(tf.subtract(tf.math.pow(w, 2), tf.multiply(10.0, w)), 25.0)
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():
                        return tf.math.polyval([x[0], x[1], x[2]], w)
                    for i in range(1000):
                        optimizer.minimize(cost_fn, [w])
                    return w
                """,
        },
    ),
    Case(
        "valid_for_range_underscore",
        "for _ in range(1000) in the loop cell and in training; full marks.",
        FULL,
        replace={
            "train_loop": """
                for _ in range(1000):
                    train_step()
                print(w)
                """,
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():
                        return x[0] * w ** 2 + x[1] * w + x[2]
                    for _ in range(1000):
                        optimizer.minimize(cost_fn, [w])
                    return w
                """,
        },
    ),
    Case(
        "valid_explicit_watch",
        "GradientTape(watch_accessed_variables=False) with an explicit tape.watch(w) inside "
        "the block; the gradient is still the tape's 2w-10, full marks.",
        FULL,
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape(watch_accessed_variables=False) as tape:
                        tape.watch(w)
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
    ),
]


UNTOUCHED_CASES = [
    Case(
        "untouched_student",
        "The notebook as handed out: train_step's lines are `...` (runs, does nothing, its "
        "local trainable_variables is Ellipsis) and training returns w untouched; nothing "
        "moves, no gradients reach the optimizer, every check fails.",
        NOTHING,
        replace=dict(STUBS),
        outputs={
            "first_step": [stdout(variable_repr("0.0"))],
            "train_loop": [stdout(variable_repr("0.0"))],
            "run_training": [stdout(variable_repr("0.0"))],
        },
    ),
]


def train_step_with(cost: str = "w ** 2 - 10 * w + 25", *, tv: str = "[w]", grads: str = "") -> str:
    """A train_step that differs from the reference in the cost, the list or the gradients."""
    grads = grads or "tape.gradient(cost, trainable_variables)"
    return f"""
        def train_step():
            with tf.GradientTape() as tape:
                cost = {cost}
            trainable_variables = {tv}
            grads = {grads}
            optimizer.apply_gradients(zip(grads, trainable_variables))
        """


def training_with(loop: str, *, signature: str = "x, w, optimizer", ret: str = "w") -> str:
    """A training whose body (after cost_fn) is `loop`, indented by four spaces."""
    body = textwrap.indent(clean(loop), " " * 4)
    return (
        f"def training({signature}):\n"
        "    def cost_fn():\n"
        "        return x[0] * w ** 2 + x[1] * w + x[2]\n"
        f"{body}\n"
        f"    return {ret}"
    )


MISTAKE_CASES = [
    Case(
        "mistake_scaled_cost",
        "cost = 2 * (w**2 - 10*w + 25): Adam is almost scale invariant, so the first step "
        "(observed 0.099999316 vs 0.09999931), convergence and the 25-step trajectories "
        "(observed max deviation 2.9e-6 from starts -3, 2.5, 12, 40) pass; the handed "
        "gradient is 4w-20, not 2w-10 (-1). train_step 3, the rest full.",
        marks(3, 2, 4),
        replace={"train_step": train_step_with("2 * (w ** 2 - 10 * w + 25)")},
    ),
    Case(
        "mistake_wrong_sign",
        "cost = w**2 + 10*w + 25: the first step goes to -0.09999931 (observed) and w heads "
        "to -5, so first step, convergence, trajectory and gradient checks fail; the "
        "gradients are still the tape's own tensors (+1). train_step 1, the rest full.",
        marks(1, 2, 4),
        replace={"train_step": train_step_with("w ** 2 + 10 * w + 25")},
        outputs={
            "first_step": [stdout(variable_repr("-0.09999931"))],
            "train_loop": [stdout(variable_repr("-5.000001"))],
            "run_training": LOOP_OUT,
        },
    ),
    Case(
        "mistake_analytic_gradient",
        "grads = [2 * w - 10] worked out by hand instead of tape.gradient (the list "
        "trainable_variables = [w] is still built): values and trajectory are right, but "
        "the gradients are not tape.gradient's tensors (-1). train_step 3; tv 2 (pairs are "
        "(g, w); no tape.gradient call, the local list is [w]); minimize 4.",
        marks(3, 2, 4),
        replace={"train_step": train_step_with(grads="[2 * w - 10]  # dJ/dw by hand")},
    ),
    Case(
        "mistake_cost_outside_tape",
        "The cost is computed before the `with tf.GradientTape()` block, so tape.gradient "
        "returns [None] and apply_gradients raises 'No gradients provided for any variable' "
        "(observed ValueError): train_step 0. The list is [w] and the optimizer is handed the "
        "pair (None, w), naming the notebook's w, so trainable_variables keeps both points: "
        "the mistake is the cost's placement, which train_step pays for; minimize 4.",
        marks(0, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    cost = w ** 2 - 10 * w + 25
                    with tf.GradientTape() as tape:
                        trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
        outputs={
            "first_step": [
                error(
                    "ValueError",
                    "No gradients provided for any variable: (['Variable:0'],). Provided "
                    "`grads_and_vars` is ((None, <tf.Variable 'Variable:0' shape=() "
                    "dtype=float32, numpy=0.0>),).",
                    "Cell In[5], line 1",
                    "----> 1 train_step()",
                    "Cell In[4], line 6, in train_step()",
                    "----> 6 optimizer.apply_gradients(zip(grads, trainable_variables))",
                )
            ],
        },
    ),
    Case(
        "mistake_numpy_in_cost",
        "cost = w.numpy() ** 2 - 10 * w.numpy() + 25 inside the tape: the cost is a numpy "
        "float, so tape.gradient(cost, [w]) itself raises (observed AttributeError "
        "'numpy.float32' object has no attribute '_id'): train_step 0. tv: no pair reaches "
        "the optimizer, so the first check is judged from the list train_step built: "
        "tape.gradient raised before recording its sources, and the local "
        "trainable_variables is exactly [w] (1); that list is [w] (1) -> 2. The numpy cost "
        "is a mistake of the step, which train_step pays for; minimize 4.",
        marks(0, 2, 4),
        replace={"train_step": train_step_with("w.numpy() ** 2 - 10 * w.numpy() + 25")},
    ),
    Case(
        "mistake_swapped_pairs",
        "optimizer.apply_gradients(zip(trainable_variables, grads)): (variable, gradient) "
        "instead of (gradient, variable); observed AttributeError \"'EagerTensor' object has "
        "no attribute '_unique_id'\" inside apply_gradients. train_step 0. tv: the "
        "optimizer gets only malformed pairs (w in the gradient slot, a tensor in the "
        "variable slot), so the first check is judged from the list train_step built: "
        "tape.gradient(cost, [w]) differentiated exactly the notebook's w (1), and the list "
        "is [w] (1) -> 2. The zip order is a mistake of the update, which train_step pays "
        "for; minimize 4.",
        marks(0, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(trainable_variables, grads))
                """,
        },
    ),
    Case(
        "mistake_manual_sgd_update",
        "The step ignores the optimizer and does w.assign_sub(0.1 * grads[0]): first step "
        "goes to 1.0 (0), w <- 0.8w + 1 still converges to 5 (+0.5; observed 4.999999 after "
        "1000 steps), no Adam trajectory (0), no gradients handed to the optimizer (0, 0) -> "
        "train_step 0.5. tv: no optimizer is used, so the first check is judged from the list "
        "train_step built: tape.gradient(cost, [w]) differentiated exactly the notebook's w "
        "(1), and the list is [w] (1) -> 2; not using the optimizer is train_step's mistake. "
        "minimize 4.",
        marks(0.5, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    w.assign_sub(0.1 * grads[0])  # plain gradient descent step
                """,
        },
        outputs={
            "first_step": [stdout(variable_repr("1.0"))],
            "train_loop": [stdout(variable_repr("4.999999"))],
            "run_training": LOOP_OUT,
        },
    ),
    Case(
        "mistake_trainable_variables_not_list",
        "trainable_variables = w (no list): tape.gradient returns a bare tensor and "
        "zip(grads, w) raises (observed TypeError 'Cannot iterate over a scalar tensor.') "
        "before anything reaches apply_gradients. train_step 0. tv: no pair reaches the "
        "optimizer, so the first check is judged from what train_step differentiated: "
        "tape.gradient(cost, w) took exactly the notebook's w (1), which the second check "
        "accepts with a tip about the list form (1) -> 2; the zip is what breaks, and "
        "train_step pays for it. minimize 4.",
        marks(0, 2, 4),
        replace={"train_step": train_step_with(tv="w")},
    ),
    Case(
        "mistake_new_optimizer_in_train_step",
        "train_step builds tf.keras.optimizers.Adam(0.1) on every call, so Adam's moments "
        "never build up: every step is a fresh Adam's first step of about 0.1 (observed: "
        "first step 0.09999931, 1000 steps 4.9878244). train_step: first step (0.5), no "
        "convergence (0), no Adam path (0), the gradients are 2w-10 (1) and the tape's (1) "
        "-> 2.5. The pairs (tape gradient, w) still reach an optimizer, just not the "
        "notebook's: trainable_variables 2; minimize 4.",
        marks(2.5, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    optimizer = tf.keras.optimizers.Adam(0.1)
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
    ),
    Case(
        "mistake_two_updates_per_step",
        "train_step calls optimizer.apply_gradients twice with the same pairs, so each call "
        "is two Adam steps (observed: first step 0.19999829, 1000 calls 5.0000005). "
        "train_step: first step (0), convergence (0.5), no Adam path (0), the first gradient "
        "of each call is 2w-10 (1) and the tape's (1) -> 2.5. Both pairs name the notebook's "
        "w: trainable_variables 2; minimize 4.",
        marks(2.5, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
    ),
    Case(
        "mistake_new_variable_in_list",
        "trainable_variables = [tf.Variable(w)] creates a copy: tape.gradient returns [None] "
        "and apply_gradients raises 'No gradients provided for any variable' (observed). "
        "train_step 0; tv: the optimizer never updates w (0) and the list holds a new "
        "variable, not w (0) -> 0; minimize 4.",
        marks(0, 0, 4),
        replace={"train_step": train_step_with(tv="[tf.Variable(w)]")},
    ),
    Case(
        "mistake_typo_zeras",
        "train_step starts with `cost = tf.zeras([])` (typo for tf.zeros), which raises "
        "AttributeError (observed) before the tape, the list or tape.gradient: nothing is "
        "observed, train_step 0, tv 0; minimize 4.",
        marks(0, 0, 4),
        replace={
            "train_step": """
                def train_step():
                    cost = tf.zeras([])  # start the cost at zero
                    with tf.GradientTape() as tape:
                        cost += w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
        outputs={
            "first_step": [
                error(
                    "AttributeError",
                    "module 'tensorflow' has no attribute 'zeras'",
                    "Cell In[5], line 1",
                    "----> 1 train_step()",
                    "Cell In[4], line 2, in train_step()",
                    "----> 2 cost = tf.zeras([])  # start the cost at zero",
                )
            ],
        },
    ),
    Case(
        "mistake_typo_tloat32",
        "The part-1 setup cell has dtype=tf.tloat32 and raises AttributeError (observed), so "
        "the notebook's own calls of train_step fail with NameError; but the train_step "
        "definition is correct and the grader supplies its own w and optimizer, so the "
        "typo in the setup cell costs nothing: full marks.",
        FULL,
        replace={
            "part1_setup": """
                w = tf.Variable(0, dtype=tf.tloat32)
                optimizer = tf.keras.optimizers.Adam(0.1)
                """,
        },
        outputs={
            "part1_setup": [
                error(
                    "AttributeError",
                    "module 'tensorflow' has no attribute 'tloat32'",
                    "Cell In[3], line 1",
                    "----> 1 w = tf.Variable(0, dtype=tf.tloat32)",
                )
            ],
            "first_step": [error("NameError", "name 'w' is not defined")],
            "run_training": LOOP_OUT,
        },
    ),
    Case(
        "mistake_syntax_error",
        "The train_step cell has a SyntaxError (missing colon after `def train_step()`), so "
        "train_step is never defined: train_step 0, tv 0; training is fine, minimize 4.",
        marks(0, 0, 4),
        replace={
            "train_step": """
                def train_step()
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
        outputs={
            "train_step": [
                error(
                    "SyntaxError",
                    "expected ':' (3541470021.py, line 1)",
                    "  Cell In[4], line 1",
                    "    def train_step()",
                    "                    ^",
                )
            ],
        },
    ),
    Case(
        "mistake_train_step_takes_args",
        "def train_step(w, optimizer) with the notebook calls changed to "
        "train_step(w, optimizer): the lab's train_step() takes no arguments, the grader "
        "calls train_step() and gets TypeError, so train_step 0 and tv 0; minimize 4.",
        marks(0, 0, 4),
        replace={
            "train_step": """
                def train_step(w, optimizer):
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
            "first_step": """
                train_step(w, optimizer)
                print(w)
                """,
            "train_loop": """
                for i in range(1000):
                    train_step(w, optimizer)
                print(w)
                """,
        },
    ),
    Case(
        "mistake_learning_rate_0_01",
        "The notebook's own optimizers are Adam(0.01) in both setup cells (observed: the "
        "notebook prints 0.00999993 after one step and 4.865427 after the loop); harmless: "
        "setup cells are not graded, the probe resets the optimizer train_step reaches to a "
        "fresh state with the lab's learning rate 0.1 (then 0.09999931 and 5.000001), and "
        "training uses the optimizer it is given: full marks.",
        FULL,
        replace={
            "part1_setup": """
                w = tf.Variable(0, dtype=tf.float32)
                optimizer = tf.keras.optimizers.Adam(0.01)
                """,
            "part2_setup": """
                w = tf.Variable(0, dtype=tf.float32)
                optimizer = tf.keras.optimizers.Adam(0.01)
                x = np.array([1.0, -10.0, 25.0], dtype=np.float32)
                """,
        },
    ),
    Case(
        "mistake_ignores_optimizer_arg",
        "training makes its own `optimizer = tf.keras.optimizers.Adam(0.1)`, shadowing the "
        "argument: w still converges (returns w at 5: 0.5; hidden coefficients: 1.5) but no "
        "update and no gradient reaches the optimizer passed in (0, 0). minimize 2.",
        marks(4, 2, 2),
        replace={
            "training": training_with(
                """
                optimizer = tf.keras.optimizers.Adam(0.1)  # fresh optimizer for this run
                for i in range(1000):
                    optimizer.minimize(cost_fn, [w])
                """
            ),
        },
    ),
    Case(
        "mistake_uses_sgd_internally",
        "training ignores the optimizer argument and uses tf.keras.optimizers.SGD(0.1): "
        "w <- w - 0.2*x0*(w - w*) converges whenever x0 < 10 (observed 4.999999 for "
        "[1,-10,25]; 1.5, -2.0, 3.5, 0.5 for x0 = 2, 0.5, 4, 9; but stuck oscillating at "
        "x0 = 10). Returns w at 5 (0.5), hidden 1.5, nothing reaches the given optimizer "
        "(0, 0): minimize 2.",
        marks(4, 2, 2),
        replace={
            "training": training_with(
                """
                sgd = tf.keras.optimizers.SGD(learning_rate=0.1)
                for i in range(1000):
                    sgd.minimize(cost_fn, [w])
                """
            ),
        },
    ),
    Case(
        "mistake_100_iterations",
        "range(100) instead of range(1000) in training: observed w = 5.039 after 100 Adam "
        "steps from 0 (Adam(0.1) first stays within 1e-3 of 5 after 178 steps; from a "
        "distance of 1 to 12, 100 steps leave errors of 0.003 to 3.8), so the first and "
        "hidden-coefficient checks fail and the update count is 100, not 1000; "
        "the gradients are right (+1). minimize 1.",
        marks(4, 2, 1),
        replace={
            "training": training_with(
                """
                for i in range(100):
                    optimizer.minimize(cost_fn, [w])
                """
            ),
        },
        outputs={"run_training": [stdout(variable_repr("5.039002"))]},
    ),
    Case(
        "mistake_tensor_to_minimize",
        "optimizer.minimize(cost_fn(), [w]) passes a tensor instead of the callable; "
        "observed ValueError '`tape` is required when a `Tensor` loss is passed', so "
        "training raises: minimize 0.",
        marks(4, 2, 0),
        replace={
            "training": training_with(
                """
                for i in range(1000):
                    optimizer.minimize(cost_fn(), [w])
                """
            ),
        },
    ),
    Case(
        "mistake_minimize_without_list",
        "optimizer.minimize(cost_fn, w) with a bare variable as var_list; observed: tf-keras "
        "raises TypeError 'Cannot iterate over a scalar tensor.', so training raises: "
        "minimize 0.",
        marks(4, 2, 0),
        replace={
            "training": training_with(
                """
                for i in range(1000):
                    optimizer.minimize(cost_fn, w)
                """
            ),
        },
    ),
    Case(
        "mistake_returns_new_variable",
        "training trains a copy `v = tf.Variable(w)` and returns it; observed: the passed-in "
        "w stays 0.0 while v reaches 5.000001. Not the same object and w never moves (0), "
        "hidden coefficients (0); 1000 updates reach the given optimizer (1) with gradients "
        "2*x0*v + x1 for the variable it updates (1): minimize 2.",
        marks(4, 2, 2),
        replace={
            "training": """
                def training(x, w, optimizer):
                    v = tf.Variable(w)  # work on a copy so the caller's w is not modified
                    def cost_fn():
                        return x[0] * v ** 2 + x[1] * v + x[2]
                    for i in range(1000):
                        optimizer.minimize(cost_fn, [v])
                    return v
                """,
        },
    ),
    Case(
        "mistake_returns_numpy",
        "Correct training but `return w.numpy()`: not the w object (first check 0); the "
        "passed-in w does converge (1.5), 1000 updates (1), right gradients (1): minimize 3.5.",
        marks(4, 2, 3.5),
        replace={
            "training": training_with(
                "for i in range(1000):\n    optimizer.minimize(cost_fn, [w])", ret="w.numpy()"
            )
        },
        outputs={"run_training": [stdout("5.000001\n")]},
    ),
    Case(
        "mistake_no_return",
        "Correct training loop but no return statement (returns None; the notebook then "
        "prints None): first check 0; the passed-in w converges (1.5), 1000 updates (1), "
        "right gradients (1): minimize 3.5.",
        marks(4, 2, 3.5),
        replace={
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():
                        return x[0] * w ** 2 + x[1] * w + x[2]
                    for i in range(1000):
                        optimizer.minimize(cost_fn, [w])
                """,
        },
        outputs={"run_training": [stdout("None\n")]},
    ),
    Case(
        "mistake_hardcoded_coefficients",
        "training ignores x and minimises w**2 - 10*w + 25: with [1,-10,25] it returns w at "
        "5 (0.5); with hidden coefficients it still goes to 5, not -x1/(2*x0) (0); 1000 "
        "updates (1); gradients are 2w-10, not 2*x0*w + x1 for hidden x (0): minimize 1.5.",
        marks(4, 2, 1.5),
        replace={
            "training": """
                def training(x, w, optimizer):
                    def cost_fn():
                        return w ** 2 - 10 * w + 25
                    for i in range(1000):
                        optimizer.minimize(cost_fn, [w])
                    return w
                """,
        },
    ),
    Case(
        "mistake_global_w_in_training",
        "The parameter is renamed w_init (to silence a 'shadows outer scope' warning) and "
        "the body keeps using the global w, so in the notebook it works, but under the "
        "grader the passed-in w never moves (0, 0); 1000 updates do reach the given "
        "optimizer (1) with gradients 2*x0*w + x1 for the (global) variable it updates (1): "
        "minimize 2.",
        marks(4, 2, 2),
        replace={
            "training": """
                def training(x, w_init, optimizer):
                    def cost_fn():
                        return x[0] * w ** 2 + x[1] * w + x[2]
                    for i in range(1000):
                        optimizer.minimize(cost_fn, [w])
                    return w
                """,
        },
        outputs={"run_training": LOOP_OUT},
    ),
    Case(
        "mistake_cost_over_global_w",
        "cost_fn is defined at module level in the part-2 setup cell over the global w, and "
        "training calls optimizer.minimize(cost_fn, [w]) on its parameter: fine in the "
        "notebook (global w is the argument), but with the grader's fresh w the cost does "
        "not depend on it and minimize raises 'No gradients provided for any variable' "
        "(observed): minimize 0.",
        marks(4, 2, 0),
        replace={
            "part2_setup": """
                w = tf.Variable(0, dtype=tf.float32)
                optimizer = tf.keras.optimizers.Adam(0.1)
                x = np.array([1.0, -10.0, 25.0], dtype=np.float32)

                def cost_fn():
                    return x[0] * w ** 2 + x[1] * w + x[2]
                """,
            "training": """
                def training(x, w, optimizer):
                    for i in range(1000):
                        optimizer.minimize(cost_fn, [w])
                    return w
                """,
        },
        outputs={"run_training": LOOP_OUT},
    ),
    Case(
        "mistake_no_training_function",
        "The function is misspelled `def trainig(...)` (and called so in the notebook, "
        "which therefore works); there is no `training` to grade: minimize 0.",
        marks(4, 2, 0),
        replace={
            "training": TRAINING.replace("def training", "def trainig"),
            "run_training": RUN_TRAINING.replace("training(", "trainig("),
        },
        outputs={"run_training": LOOP_OUT},
    ),
]


# Cells used by the gaming attempts.
GUARD = '''
def _writable(directory):
    """Corpus safety guard: never litter a source checkout with fake files."""
    markers = (".git", "pyproject.toml")
    return not any(os.path.exists(os.path.join(directory, marker)) for marker in markers)
'''

FAKE_RESULTS = (
    """
import json
import os
"""
    + GUARD
    + """
parts = [("train_step", 4), ("trainable_variables", 2), ("minimize", 4)]
fake = {"score": 10, "max_score": 10, "output": "All tests passed!",
        "tests": [{"name": name, "score": score, "max_score": score, "status": "passed"}
                  for name, score in parts]}
targets = [os.path.abspath("results.json"),
           os.path.abspath(os.path.join(os.pardir, "results.json")),
           "/tmp/results.json",
           "/autograder/results/results.json"]
for target in dict.fromkeys(targets):  # .. may be /tmp itself
    folder = os.path.dirname(target)
    if os.path.isdir(folder) and _writable(folder):
        try:
            with open(target, "w") as handle:
                json.dump(fake, handle)
            print("wrote", target)
        except OSError as exc:
            print("could not write", target, exc)
"""
)

FAKE_PRINTS = """
import json
import sys

print("============================= test session starts ==============================")
print("PASSED test_train_step.py::test_first_step ........ 0.5/0.5")
print("PASSED test_train_step.py::test_trajectory ........ 1/1")
print("PASSED test_train_step ... 10/10")
print("PASSED test_minimize ... 4/4")
print("============================== 12 passed in 0.42s ==============================")
print("All tests passed!")
print(json.dumps({"score": 10, "max_score": 10, "train_step": 4, "trainable_variables": 2,
                  "minimize": 4, "status": "passed"}))
print('{"tests": [{"name": "train_step", "score": 4, "max_score": 4}]}', file=sys.stderr)
"""

PATCH_RUNNER = (
    """
import os
import sys
import types
import unittest

import otter


class _Anything(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__


try:
    import pytest
    import _pytest.outcomes
    import _pytest.python_api

    pytest.approx = lambda *args, **kwargs: _Anything(0.0)
    _pytest.python_api.approx = pytest.approx
    pytest.fail = lambda *args, **kwargs: None
    _pytest.outcomes.fail = pytest.fail
except ImportError:
    pass

for name in ["assertEqual", "assertAlmostEqual", "assertTrue", "assertFalse", "assertIs",
             "assertLess", "assertGreater", "assertIsNone", "assertRaises"]:
    setattr(unittest.TestCase, name, lambda self, *args, **kwargs: None)
unittest.TestResult.wasSuccessful = lambda self: True

otter.Notebook.check = lambda self, *args, **kwargs: print("All test cases passed!")
otter.Notebook.check_all = lambda self, *args, **kwargs: print("All test cases passed!")

# Shadow anything that looks like the grader's own modules.
for name in ["autograder", "autograder.labs", "autograder.labs.tf_intro", "grader", "checks"]:
    fake = types.ModuleType(name)
    fake.__getattr__ = lambda attr: (lambda *args, **kwargs: True)
    sys.modules[name] = fake
"""
    + GUARD
    + '''
CONFTEST = """
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
"""
if _writable(os.getcwd()) and not os.path.exists("conftest.py"):
    with open("conftest.py", "w") as handle:
        handle.write(CONFTEST)
print("test runner patched")
'''
)

PATCH_NUMPY = """
import builtins
import math

import numpy

numpy.isclose = lambda *args, **kwargs: True
numpy.allclose = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_almost_equal = lambda *args, **kwargs: None
numpy.testing.assert_array_almost_equal = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True
builtins.abs = lambda value: 0.0
print("comparisons patched")
"""

PATCH_TENSORFLOW = """
import numpy

# Every variable now reads as 5 and every closeness assertion passes.
variable_type = type(tf.Variable(0.0))
variable_type.numpy = lambda self: numpy.float32(5.0)
variable_type.__float__ = lambda self: 5.0
tf.debugging.assert_near = lambda *args, **kwargs: None
tf.debugging.assert_equal = lambda *args, **kwargs: None
print("tensorflow patched")
"""

FLOAT_SUBCLASS = """
class Anything(float):
    \"\"\"Compares equal to, and is within any tolerance of, everything.\"\"\"

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return True

    def __le__(self, other):
        return True

    def __gt__(self, other):
        return True

    def __ge__(self, other):
        return True

    def __sub__(self, other):
        return Anything(0.0)

    def __rsub__(self, other):
        return Anything(0.0)

    def __abs__(self):
        return Anything(0.0)

    def numpy(self):
        return self

    __hash__ = float.__hash__


def training(x, w, optimizer):
    return Anything(5.0)
"""

READ_CHECKS = """
import glob
import importlib.util
import os
import sys

candidates = []
patterns = ["check_*.py", "tests/*.py", "../check_*.py", "../tests/*.py",
            "/autograder/source/**/*.py"]
for pattern in patterns:
    candidates += glob.glob(pattern, recursive=True)[:20]
spec = importlib.util.find_spec("autograder")
if spec is not None and spec.submodule_search_locations:
    for root in spec.submodule_search_locations:
        candidates += glob.glob(os.path.join(root, "labs", "*", "checks", "*.py"))
for folder in sys.path:
    candidates += glob.glob(os.path.join(folder, "autograder", "labs", "*", "checks", "*.py"))
for path in sorted(set(candidates))[:20]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            print("=" * 20, path)
            print(handle.read(2000))
    except OSError as exc:
        print("cannot read", path, exc)
print(len(candidates), "candidate files")
"""

GAME_CASES = [
    Case(
        "game_hardcoded_answers",
        "train_step is `w.assign(5.0)` and training is `w.assign(5.0); return w`: "
        "train_step only passes '1000 steps reach 5' (0.5) - no first step, trajectory or "
        "gradients; tv 0 (no pairs, no list); minimize only passes 'returns w at 5' (0.5); "
        "total 1/10.",
        marks(0.5, 0, 0.5),
        replace={
            "train_step": """
                def train_step():
                    w.assign(5.0)
                """,
            "training": """
                def training(x, w, optimizer):
                    w.assign(5.0)
                    return w
                """,
        },
        outputs={
            "first_step": [stdout(variable_repr("5.0"))],
            "train_loop": [stdout(variable_repr("5.0"))],
            "run_training": [stdout(variable_repr("5.0"))],
        },
    ),
    Case(
        "game_hardcoded_first_step",
        "train_step adds the expected first-step value 0.0999993 when w == 0 and otherwise "
        "assigns 5: first step (0.5) and convergence (0.5) pass, hidden-start trajectory, "
        "gradient and tape checks fail -> 1; tv 0 (no pairs, no list); training is "
        "correct: minimize 4.",
        marks(1, 0, 4),
        replace={
            "train_step": """
                def train_step():
                    if w.numpy() == 0.0:
                        w.assign_add(0.0999993)
                    else:
                        w.assign(5.0)
                """,
        },
    ),
    Case(
        "game_patch_numpy",
        "Correct train_step, training with only 100 iterations, plus a final cell replacing "
        "numpy.isclose/allclose/testing.assert_*, math.isclose and builtins.abs with "
        "always-pass versions; must score exactly like mistake_100_iterations (w = 5.039 "
        "after 100 steps): 4/2/1.",
        marks(4, 2, 1),
        replace={
            "training": training_with(
                """
                for i in range(100):
                    optimizer.minimize(cost_fn, [w])
                """
            ),
        },
        after={"check_training": [code(PATCH_NUMPY, outputs=[stdout("comparisons patched\n")])]},
    ),
    Case(
        "game_patch_tensorflow",
        "Correct train_step, training with only 100 iterations, plus a final cell making "
        "every tf.Variable read as 5 through .numpy()/float() and disabling "
        "tf.debugging.assert_near/assert_equal; must score exactly like "
        "mistake_100_iterations: 4/2/1.",
        marks(4, 2, 1),
        replace={
            "training": training_with(
                """
                for i in range(100):
                    optimizer.minimize(cost_fn, [w])
                """
            ),
        },
        after={"check_training": [code(PATCH_TENSORFLOW)]},
    ),
    Case(
        "game_float_subclass",
        "Correct train_step; training does no work and returns a float subclass that equals "
        "everything, is less than any tolerance and whose difference/abs is 0: not the w "
        "passed in and w never moves (0), hidden (0), no updates (0), no gradients (0): "
        "4/2/0.",
        marks(4, 2, 0),
        replace={"training": FLOAT_SUBCLASS},
    ),
    Case(
        "game_patch_during_probe",
        "train_step and training do no work; inside each call they patch .numpy() of "
        "variables and tensors to read as the answer (5, or -x1 / (2·x0)), so the patch is "
        "in place while the grader reads w: nothing was earned, 0/0/0.",
        marks(0, 0, 0),
        replace={
            "train_step": """
                def train_step():
                    from tensorflow.python.framework.ops import EagerTensor
                    from tensorflow.python.ops.resource_variable_ops import BaseResourceVariable
                    BaseResourceVariable.numpy = lambda self: np.float32(5.0)
                    EagerTensor.numpy = lambda self: np.float32(5.0)
                """,
            "training": """
                def training(x, w, optimizer):
                    from tensorflow.python.framework.ops import EagerTensor
                    from tensorflow.python.ops.resource_variable_ops import BaseResourceVariable
                    answer = np.float32(-x[1] / (2 * x[0]))
                    BaseResourceVariable.numpy = lambda self: answer
                    EagerTensor.numpy = lambda self: answer
                    return w
                """,
        },
    ),
    Case(
        "game_fake_results_json",
        "Wrong-sign train_step (cost w**2 + 10*w + 25) and a correct training, plus a cell "
        "writing results.json with score 10 to ., .., /tmp and /autograder/results (skipping "
        "source checkouts); the files must be ignored: scores like mistake_wrong_sign, 1/2/4.",
        marks(1, 2, 4),
        replace={"train_step": train_step_with("w ** 2 + 10 * w + 25")},
        after={"check_training": [code(FAKE_RESULTS)]},
    ),
    Case(
        "game_fake_passed_prints",
        "Untouched stubs plus cells printing fake pytest PASSED lines, 'All tests passed!' "
        "and JSON score blobs on stdout/stderr: printed text earns nothing, 0/0/0.",
        NOTHING,
        replace=dict(STUBS),
        after={
            "first_step": [code(FAKE_PRINTS)],
            "check_training": [code(FAKE_PRINTS)],
        },
        outputs={
            "check_train_step": [stdout("train_step results: All test cases passed!\n")],
        },
    ),
    Case(
        "game_patch_test_runner",
        "Untouched stubs plus a cell monkeypatching pytest.approx/pytest.fail, "
        "unittest.TestCase assertions, otter.Notebook.check, shadowing grader-looking "
        "modules in sys.modules and dropping a conftest.py that marks every test passed in "
        "the working directory: 0/0/0.",
        NOTHING,
        replace=dict(STUBS),
        after={"otter_init": [code(PATCH_RUNNER)]},
    ),
    Case(
        "game_reads_hidden_checks",
        "Reference solution plus a cell globbing for check_*.py, tests/, /autograder/source "
        "and installed autograder/labs/*/checks/*.py and printing them; reading does not "
        "change the score (leaks are handled elsewhere): 4/2/4.",
        FULL,
        after={"check_training": [code(READ_CHECKS)]},
    ),
    Case(
        "game_sys_exit",
        "Untouched train_step, correct training, and a cell after the train_step check that "
        "prints 'All tests passed!' and calls sys.exit(0), hoping the run stops there as a "
        "success; SystemExit is just a raising cell, execution continues: 0/0/4.",
        marks(0, 0, 4),
        replace={"train_step": TRAIN_STEP_STUB},
        after={
            "check_train_step": [
                code(
                    """
                    import sys

                    print("All tests passed!")
                    sys.exit(0)
                    """
                )
            ]
        },
    ),
]

# Binding styles: train_step reaches the notebook's w and optimizer through something other
# than the globals `w` and `optimizer` (README: "Binding styles and raising steps").
# The grader finds them wherever train_step reaches them and resets them in place.

BINDING_VALID_CASES = [
    Case(
        "valid_default_arguments",
        "train_step(w=w, opt=optimizer) binds the part-1 w and Adam as default arguments when "
        "the cell runs, and names its list `params`; train_step() still takes no arguments. "
        "Observed: first step 0.09999931, 1000 steps 5.000001; part 2 later rebinds the "
        "global names, but the grader resets the bound objects in place, and from -3, 2.5, 12 "
        "and 40 the 25-step paths equal the reference exactly (max deviation 0.0): full "
        "marks.",
        FULL,
        replace={
            "train_step": '''
                # bind w and the optimizer now, so later cells can't change what the step uses
                def train_step(w=w, opt=optimizer):
                    """One Adam step on J(w) = w^2 - 10w + 25."""
                    with tf.GradientTape() as tape:
                        J = w**2 - 10*w + 25
                    params = [w]
                    dJ_dw = tape.gradient(J, params)
                    opt.apply_gradients(zip(dJ_dw, params))
                ''',
        },
        outputs=dict(WORKING_OUTPUTS),
    ),
    Case(
        "valid_closure_factory",
        "make_train_step(variable, adam) returns a closure `step` and the cell sets "
        "train_step = make_train_step(w, optimizer): w and the optimizer are reached only "
        "through the closure. Observed: first step 0.09999931, 1000 steps 5.000001, reset in "
        "place the paths equal the reference exactly: full marks.",
        FULL,
        replace={
            "train_step": """
                def make_train_step(variable, adam):
                    def step():
                        with tf.GradientTape() as tape:
                            loss = variable * variable - 10.0 * variable + 25.0
                        trainable_variables = [variable]
                        gradients = tape.gradient(loss, trainable_variables)
                        adam.apply_gradients(zip(gradients, trainable_variables))

                    return step


                train_step = make_train_step(w, optimizer)
                """,
        },
    ),
    Case(
        "valid_bound_method",
        "A Trainer class keeps the variable and the optimizer as instance attributes, with a "
        "cost() method called inside the tape; train_step = trainer.step is a bound method. "
        "Observed: first step 0.09999931, 1000 steps 5.000001, reset in place the paths equal "
        "the reference exactly: full marks.",
        FULL,
        replace={
            "train_step": '''
                class Trainer:
                    """Keeps the parameter and its optimizer together."""

                    def __init__(self, var, optimizer):
                        self.var = var
                        self.optimizer = optimizer

                    def cost(self):
                        return self.var ** 2 - 10 * self.var + 25

                    def step(self):
                        with tf.GradientTape() as tape:
                            cost = self.cost()
                        trainable_variables = [self.var]
                        grads = tape.gradient(cost, trainable_variables)
                        self.optimizer.apply_gradients(zip(grads, trainable_variables))


                trainer = Trainer(w, optimizer)
                train_step = trainer.step  # the notebook calls train_step()
                ''',
        },
        outputs={"first_step": FIRST_STEP_OUT, "train_loop": LOOP_OUT},
    ),
    Case(
        "valid_class_attributes",
        "class Part1 holds `w = w` and `optimizer = optimizer` as class attributes and a "
        "@classmethod train_step using cls.w / cls.optimizer; train_step = Part1.train_step "
        "is bound to the class. The part-2 cell later rebinds the global w and optimizer, "
        "which train_step never uses. Observed: first step 0.09999931, 1000 steps 5.000001, "
        "reset in place the paths equal the reference exactly: full marks.",
        FULL,
        replace={
            "train_step": """
                class Part1:
                    w = w                  # the variable from the cell above
                    optimizer = optimizer  # Adam(0.1)

                    @classmethod
                    def train_step(cls):
                        with tf.GradientTape() as tape:
                            cost = cls.w ** 2 - 10 * cls.w + 25
                        trainable_variables = [cls.w]
                        grads = tape.gradient(cost, trainable_variables)
                        cls.optimizer.apply_gradients(zip(grads, trainable_variables))

                train_step = Part1.train_step
                """,
        },
    ),
    Case(
        "valid_functools_partial",
        "train_step = functools.partial(_step, w, optimizer) over a module-level _step(var, "
        "opt) whose cost is (var - 5.0) ** 2 and whose list is `tvars`. Observed: first step "
        "0.09999931, 1000 steps 5.000001; the (var - 5)**2 gradient is 2w - 10 to the bit on "
        "these paths (max deviation from the reference 0.0 from -3, 2.5, 12, 40): full marks.",
        FULL,
        replace={
            "train_step": """
                from functools import partial

                def _step(var, opt):
                    with tf.GradientTape() as g:
                        j = (var - 5.0) ** 2  # same as w^2 - 10w + 25
                    tvars = [var]
                    opt.apply_gradients(zip(g.gradient(j, tvars), tvars))

                train_step = partial(_step, w, optimizer)
                """,
        },
    ),
    Case(
        "valid_state_dict",
        'An extra cell after the setup stores state = {"w": w, "opt": optimizer}; train_step '
        'reads v = state["w"] and calls state["opt"].apply_gradients, never naming w or '
        "optimizer. Observed: first step 0.09999931, 1000 steps 5.000001, reset in place the "
        "paths equal the reference exactly: full marks.",
        FULL,
        after={
            "part1_setup": [
                code(
                    """
                    # everything part 1 needs, in one place
                    state = {"w": w, "opt": optimizer}
                    """
                )
            ]
        },
        replace={
            "train_step": """
                def train_step():
                    v = state["w"]
                    with tf.GradientTape() as tape:
                        cost = v ** 2 - 10 * v + 25
                    trainable_variables = [v]
                    grads = tape.gradient(cost, trainable_variables)
                    state["opt"].apply_gradients(zip(grads, trainable_variables))
                """,
        },
        outputs=dict(WORKING_OUTPUTS),
    ),
    Case(
        "valid_module_alias",
        "The setup cell adds module-level aliases `theta, adam = w, optimizer` and train_step "
        "uses only theta and adam. Part 2 rebinds w and optimizer to new objects while the "
        "aliases keep the part-1 ones, which is what train_step trains. Observed: first step "
        "0.09999931, 1000 steps 5.000001, reset in place the paths equal the reference "
        "exactly: full marks.",
        FULL,
        replace={
            "part1_setup": """
                w = tf.Variable(0, dtype=tf.float32)
                optimizer = tf.keras.optimizers.Adam(0.1)
                theta, adam = w, optimizer  # the names from the lecture slides
                """,
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = theta ** 2 - 10 * theta + 25
                    trainable_variables = [theta]
                    grads = tape.gradient(cost, trainable_variables)
                    adam.apply_gradients(zip(grads, trainable_variables))
                """,
        },
    ),
    Case(
        "valid_helpers_reach_w",
        "train_step names neither w nor optimizer: it calls helpers J() (the cost, inside the "
        "tape), variables_to_train() (returns [w]) and update(grads, variables) (calls "
        "optimizer.apply_gradients), which reach the globals. Observed: first step "
        "0.09999931, 1000 steps 5.000001, reset in place the paths equal the reference "
        "exactly: full marks.",
        FULL,
        replace={
            "train_step": '''
                def J():
                    """The cost at the current w."""
                    return w ** 2 - 10 * w + 25


                def variables_to_train():
                    return [w]


                def update(grads, variables):
                    optimizer.apply_gradients(zip(grads, variables))


                def train_step():
                    with tf.GradientTape() as tape:
                        cost = J()
                    trainable_variables = variables_to_train()
                    grads = tape.gradient(cost, trainable_variables)
                    update(grads, trainable_variables)
                ''',
        },
    ),
    Case(
        "valid_tf_function_factory",
        "build_step(param, opt) returns an @tf.function closure and train_step = "
        "build_step(w, optimizer); the grader unwraps .python_function and runs it eagerly "
        "while it observes. Observed: first step 0.09999931, 1000 steps 5.000001 (traced); "
        "run eagerly, reset in place, the paths equal the reference exactly. Traced, the "
        "graph also follows an in-place reset (its closure holds the same objects) but no "
        "Python call reaches apply_gradients after tracing, so eager running is still needed "
        "to observe the pairs: full marks.",
        FULL,
        replace={
            "train_step": """
                def build_step(param, opt):
                    @tf.function  # compiled once, then fast
                    def step():
                        with tf.GradientTape() as tape:
                            cost = tf.square(param) - 10.0 * param + 25.0
                        trainable_variables = [param]
                        grads = tape.gradient(cost, trainable_variables)
                        opt.apply_gradients(zip(grads, trainable_variables))
                    return step

                train_step = build_step(w, optimizer)
                """,
        },
        outputs=dict(WORKING_OUTPUTS),
    ),
]

# The same mistakes as global-binding cases, under other bindings: each scores exactly what
# the case it mirrors scores.
BINDING_MISTAKE_CASES = [
    Case(
        "mistake_wrong_sign_closure_factory",
        "Mirrors mistake_wrong_sign inside a closure factory: make_step(param, opt) returns a "
        "train_step whose cost is param**2 + 10*param + 25. Observed, identical to the global "
        "case: first step -0.09999931, 1000 steps -5.000001, gradients 10 at w=0 (+20 off "
        "2w-10) and the tape's own tensors. Same marks as mistake_wrong_sign: train_step 1 "
        "(tape gradients only); the pairs (tape gradient, w) name the bound w: tv 2; minimize "
        "4.",
        marks(1, 2, 4),
        replace={
            "train_step": """
                def make_step(param, opt):
                    def train_step():
                        with tf.GradientTape() as tape:
                            cost = param ** 2 + 10 * param + 25  # J(w)
                        trainable_variables = [param]
                        grads = tape.gradient(cost, trainable_variables)
                        opt.apply_gradients(zip(grads, trainable_variables))
                    return train_step

                train_step = make_step(w, optimizer)
                """,
        },
        outputs={
            "first_step": [stdout(variable_repr("-0.09999931"))],
            "train_loop": [stdout(variable_repr("-5.000001"))],
        },
    ),
    Case(
        "mistake_new_variable_in_list_bound_method",
        "Mirrors mistake_new_variable_in_list in a bound method: QuadraticFit.train_step "
        "builds trainable_variables = [tf.Variable(self.w)], a copy; tape.gradient returns "
        "[None] and apply_gradients raises (observed ValueError 'No gradients provided for "
        "any variable', as in the global case). Same marks as mistake_new_variable_in_list: "
        "train_step 0; tv 0 (the pair (None, copy) names a new variable, and the list holds "
        "the copy, not w); minimize 4.",
        marks(0, 0, 4),
        replace={
            "train_step": """
                class QuadraticFit:
                    def __init__(self, w, opt):
                        self.w = w
                        self.opt = opt

                    def train_step(self):
                        with tf.GradientTape() as tape:
                            cost = self.w ** 2 - 10 * self.w + 25
                        # make sure it's a trainable variable
                        trainable_variables = [tf.Variable(self.w)]
                        grads = tape.gradient(cost, trainable_variables)
                        self.opt.apply_gradients(zip(grads, trainable_variables))

                fit = QuadraticFit(w, optimizer)
                train_step = fit.train_step
                """,
        },
    ),
    Case(
        "mistake_new_optimizer_partial",
        "Mirrors mistake_new_optimizer_in_train_step with functools.partial(adam_update, w): "
        "adam_update builds tf.keras.optimizers.Adam(learning_rate=0.1) on every call, so "
        "every step is a fresh Adam's first step. Observed, identical to the global case: "
        "first step 0.09999931, 1000 steps from 0 reach 4.9878244 (5.087811 after the "
        "notebook's 1 + 1000 calls); the gradients are 2w-10 and the tape's, handed to an "
        "optimizer train_step built itself. Same marks as "
        "mistake_new_optimizer_in_train_step: train_step 2.5, tv 2, minimize 4.",
        marks(2.5, 2, 4),
        replace={
            "train_step": """
                import functools

                def adam_update(v):
                    adam = tf.keras.optimizers.Adam(learning_rate=0.1)
                    with tf.GradientTape() as tape:
                        cost = v ** 2 - 10 * v + 25
                    trainable_variables = [v]
                    grads = tape.gradient(cost, trainable_variables)
                    adam.apply_gradients(zip(grads, trainable_variables))

                train_step = functools.partial(adam_update, w)
                """,
        },
    ),
    Case(
        "mistake_scaled_cost_default_arguments",
        "Mirrors mistake_scaled_cost with default-argument binding: train_step(var=w, "
        "optimizer=optimizer) minimises 2 * (var**2 - 10*var + 25). Observed, identical to "
        "the global case: first step 0.099999316, 1000 steps 5.000001, 25-step paths from -3, "
        "2.5, 12, 40 within 2.9e-6 of the reference, but the handed gradient is 4w-20 (-20 at "
        "w=0). Same marks as mistake_scaled_cost: train_step 3, tv 2, minimize 4.",
        marks(3, 2, 4),
        replace={
            "train_step": """
                def train_step(var=w, optimizer=optimizer):
                    with tf.GradientTape() as tape:
                        # J(w) = (w - 5)^2, doubled so the gradient is bigger
                        cost = 2 * (var ** 2 - 10 * var + 25)
                    trainable_variables = [var]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, trainable_variables))
                """,
        },
    ),
    Case(
        "mistake_cost_outside_tape_class_method",
        "Mirrors mistake_cost_outside_tape in a class method: Minimizer.train_step computes "
        "the cost before `with tf.GradientTape()`, so tape.gradient returns [None] and "
        "apply_gradients raises (observed ValueError 'No gradients provided for any "
        "variable', as in the global case); the pair (None, self.weight) names the bound w. "
        "Same marks as mistake_cost_outside_tape: train_step 0, tv 2, minimize 4.",
        marks(0, 2, 4),
        replace={
            "train_step": """
                class Minimizer:
                    def __init__(self, weight, optimizer):
                        self.weight = weight
                        self.optimizer = optimizer

                    def train_step(self):
                        cost = self.weight ** 2 - 10 * self.weight + 25
                        with tf.GradientTape() as tape:
                            trainable_variables = [self.weight]
                        grads = tape.gradient(cost, trainable_variables)
                        self.optimizer.apply_gradients(zip(grads, trainable_variables))


                minimizer = Minimizer(w, optimizer)
                train_step = minimizer.train_step
                """,
        },
    ),
    Case(
        "mistake_two_updates_state_dict",
        'Mirrors mistake_two_updates_per_step with a dict of state params = {"w": w, '
        '"optimizer": optimizer}: train_step calls params["optimizer"].apply_gradients twice '
        "with the same pairs. Observed, identical to the global case: first step 0.19999829, "
        "1000 calls 5.0000005, each call's gradients 2w-10 from the tape. Same marks as "
        "mistake_two_updates_per_step: train_step 2.5, tv 2, minimize 4.",
        marks(2.5, 2, 4),
        after={"part1_setup": [code('params = {"w": w, "optimizer": optimizer}')]},
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = params["w"] ** 2 - 10 * params["w"] + 25
                    trainable_variables = [params["w"]]
                    grads = tape.gradient(cost, trainable_variables)
                    params["optimizer"].apply_gradients(zip(grads, trainable_variables))
                    # second update, to make sure it moves
                    params["optimizer"].apply_gradients(zip(grads, trainable_variables))
                """,
        },
    ),
]

# Steps that build the right list (and mostly take its gradients), then fail to hand
# well-formed pairs to the optimizer: the trainable_variables part is judged from the list.
RAISING_CASES = [
    Case(
        "mistake_apply_gradients_two_arguments",
        "Right cost, trainable_variables = [w] and tape.gradient(cost, trainable_variables), "
        "then optimizer.apply_gradients(grads, trainable_variables): the list lands in the "
        "`name` parameter and the optimizer iterates the bare gradient tensors as pairs "
        "(observed TypeError 'Cannot iterate over a scalar tensor.' inside apply_gradients; w "
        "stays 0.0). train_step 0. tv: the optimizer received no well-formed (gradient, "
        "variable) pair, so the first check is judged from the list handed to tape.gradient, "
        "exactly [w] (1), and that list is [w] (1) -> 2; the broken call is train_step's "
        "mistake. minimize 4.",
        marks(0, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(grads, trainable_variables)
                """,
        },
    ),
    Case(
        "mistake_apply_gradients_zip_one_list",
        "Right list and tape.gradient, then optimizer.apply_gradients(zip(gradients)): zip of "
        "one list yields 1-tuples (observed ValueError 'not enough values to unpack (expected "
        "2, got 1)' inside apply_gradients; w stays 0.0). train_step 0; tv: no well-formed "
        "pair reached the optimizer, so both checks are judged from the list handed to "
        "tape.gradient, exactly [w] -> 2; minimize 4.",
        marks(0, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w**2 - 10*w + 25
                    trainable_variables = [w]
                    gradients = tape.gradient(cost, trainable_variables)
                    # zip the gradients up for the optimizer
                    optimizer.apply_gradients(zip(gradients))
                """,
        },
    ),
    Case(
        "mistake_apply_gradients_no_zip",
        "Default-argument binding train_step(w=w, optimizer=optimizer), right list and "
        "tape.gradient, then optimizer.apply_gradients(grads) without the variables: the "
        "optimizer iterates the gradient tensor as a pair (observed TypeError 'Cannot iterate "
        "over a scalar tensor.' inside apply_gradients; w stays 0.0). train_step 0; tv: no "
        "well-formed pair reached the optimizer, the list handed to tape.gradient is exactly "
        "the bound w -> 2; minimize 4.",
        marks(0, 2, 4),
        replace={
            "train_step": """
                def train_step(w=w, optimizer=optimizer):
                    with tf.GradientTape() as tape:
                        J = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(J, trainable_variables)
                    optimizer.apply_gradients(grads)
                """,
        },
    ),
    Case(
        "mistake_zip_with_bare_w",
        "Right list and tape.gradient, then optimizer.apply_gradients(zip(grads, w)): zip "
        "calls iter(w) itself, so train_step raises before apply_gradients is even entered "
        "(observed TypeError 'Cannot iterate over a scalar tensor.' from Variable.__iter__; w "
        "stays 0.0). train_step 0; tv: nothing reached the optimizer, the list handed to "
        "tape.gradient is exactly [w] -> 2; minimize 4.",
        marks(0, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    optimizer.apply_gradients(zip(grads, w))
                """,
        },
    ),
    Case(
        "mistake_typo_gradiant",
        "tape.gradiant(cost, trainable_variables) (typo): raises AttributeError "
        "\"'GradientTape' object has no attribute 'gradiant'\" (observed) after the local "
        "trainable_variables = [w] was built, so there is no tape.gradient call and no pair. "
        "train_step 0; tv: judged from the local list, exactly [w] -> 2 (unlike "
        "mistake_typo_zeras, which raises before any list exists); minimize 4.",
        marks(0, 2, 4),
        replace={"train_step": train_step_with(grads="tape.gradiant(cost, trainable_variables)")},
    ),
    Case(
        "mistake_no_apply_gradients",
        "The last line was left as a TODO comment: train_step records the cost, builds "
        "trainable_variables = [w] and takes tape.gradient, but never calls the optimizer "
        "(observed: w stays 0.0 after 1 and 1001 calls, no error). train_step 0 (nothing "
        "moves, no gradients handed over); tv: no optimizer is used, so the first check is "
        "judged from the list handed to tape.gradient, exactly [w] -> 2; minimize 4.",
        marks(0, 2, 4),
        replace={
            "train_step": """
                def train_step():
                    with tf.GradientTape() as tape:
                        cost = w ** 2 - 10 * w + 25
                    trainable_variables = [w]
                    grads = tape.gradient(cost, trainable_variables)
                    # TODO: apply the gradients
                """,
        },
    ),
]


CASES = (
    VALID_CASES
    + BINDING_VALID_CASES
    + UNTOUCHED_CASES
    + MISTAKE_CASES
    + BINDING_MISTAKE_CASES
    + RAISING_CASES
    + GAME_CASES
)


# ---------------------------------------------------------------------------------------------
# Building and writing
# ---------------------------------------------------------------------------------------------


def build_cells(case: Case) -> list[Cell]:
    cells: list[Cell] = []
    for cell in canonical_cells():
        if cell.role in case.replace:
            source = case.replace[cell.role]
            if source is not None:
                cells.append(Cell(cell.role, clean(source), cell.kind))
        else:
            cells.append(cell)
        cells.extend(case.after.get(cell.role, []))
    for cell in cells:
        if cell.role in case.outputs:
            cell.outputs = list(case.outputs[cell.role])
    return cells


def build_notebook(case: Case) -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})
    execution_count = 0
    for index, cell in enumerate(build_cells(case)):
        if cell.kind == "markdown":
            node = new_markdown_cell(cell.source)
        else:
            node = new_code_cell(cell.source)
            if cell.outputs:
                execution_count += 1
                node.execution_count = execution_count
                node.outputs = [nbformat.from_dict(output) for output in cell.outputs]
                for output in node.outputs:
                    if "execution_count" in output:
                        output["execution_count"] = execution_count
        node.id = f"{index:02d}-{cell.role.replace('_', '-')}"  # stable ids: reproducible files
        nb.cells.append(node)
    nbformat.validate(nb)
    return nb


def labels() -> dict:
    return {
        "points": POINTS,
        "cases": {
            case.name: {"description": case.description, "expected": case.expected}
            for case in CASES
        },
    }


def main() -> None:
    names = [case.name for case in CASES]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise SystemExit(f"duplicate case names: {sorted(duplicates)}")

    NOTEBOOK_DIR.mkdir(parents=True, exist_ok=True)
    for stale in NOTEBOOK_DIR.glob("*.ipynb"):
        if stale.stem not in names:
            stale.unlink()
    for case in CASES:
        nbformat.write(build_notebook(case), NOTEBOOK_DIR / f"{case.name}.ipynb")
    LABELS_PATH.write_text(json.dumps(labels(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {len(CASES)} notebooks to {NOTEBOOK_DIR} and labels to {LABELS_PATH}")


if __name__ == "__main__":
    main()
