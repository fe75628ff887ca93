"""The student's process: every cell runs, failures are recorded, grading goes on."""

import ast
import tempfile
from pathlib import Path

import pytest

from autograder.notebook import to_python
from autograder.sandbox.confine import reachable_temp_dir
from autograder.sandbox.forkserver import ForkServer
from autograder.sandbox.session import Limits, NotebookSession, ProbeFailed

PROBES = "autograder.labs.tf_intro.probes"


def run(cells: list[str], tmp_path: Path, forkserver=None, **limits) -> NotebookSession:
    session = NotebookSession(
        [(number, to_python(source)) for number, source in enumerate(cells, start=1)],
        PROBES,
        tmp_path,
        Limits(**{"cell_seconds": 2.0, **limits}),
        forkserver=forkserver,
    )
    session.run_cells()
    return session


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    cells = [
        "x = 1",
        "raise ValueError('boom')",
        "while True:\n    pass",
        "import sys\nsys.exit(3)",
        "raise KeyboardInterrupt",
        "%matplotlib inline\n!rm -rf /tmp/should-not-run\nprint('magic ok')",
        "%%time\ny = x + 1",
        "import otter\ngrader = otter.Notebook('tf_intro.ipynb')\n"
        "print(grader.check('train_step'), grader.export(pdf=False))",
        "import os\nimport tensorflow as tf\n"
        "print([os.environ.get('TF_USE_LEGACY_KERAS'), os.environ.get('CUDA_VISIBLE_DEVICES'),"
        " hasattr(tf.keras.optimizers.Adam(0.1), 'minimize')])",
        "import sys\nprint(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('pytest', '_pytest') or 'checks' in m or 'hidden_inputs' in m"
        " or m.endswith('reference')))",
        "print('é ✓ 中文'); print('x' * 100000)",
        "print(x, y)",
    ]
    session = run(cells, tmp_path_factory.mktemp("mixed"))
    yield session
    session.close()


def report(session: NotebookSession, number: int):
    return session.reports[number - 1]


def test_every_cell_runs_in_order_and_failures_are_recorded(mixed):
    statuses = [report(mixed, n).status for n in range(1, 13)]
    assert statuses == ["ok", "error", "timeout", "error", "error", *["ok"] * 7]
    assert report(mixed, 2).error["type"] == "ValueError"
    assert report(mixed, 2).error["where"] == "code cell 2, line 1, in <module>"
    assert report(mixed, 4).error["type"] == "SystemExit"
    assert report(mixed, 5).error["type"] == "KeyboardInterrupt"
    assert report(mixed, 12).output == "1 2\n"


def test_magics_run_their_python_and_shell_lines_never_run(mixed):
    assert report(mixed, 6).output == "magic ok\n"
    assert any("rm -rf" in note for note in report(mixed, 6).notes)
    assert report(mixed, 7).status == "ok"


def test_otter_calls_are_harmless_no_ops(mixed):
    assert report(mixed, 8).output == "None None\n"


def test_child_always_has_legacy_keras_and_no_gpu(mixed):
    assert ast.literal_eval(report(mixed, 9).output) == ["1", "-1", True]


def test_no_grader_or_check_module_is_loaded_in_the_student_process(mixed):
    assert report(mixed, 10).output == "[]\n"


def test_printed_output_is_capped(mixed):
    output = report(mixed, 11).output
    assert output.startswith("é ✓ 中文\n")
    assert len(output) < 5000 and "more characters not kept" in output


@pytest.fixture(scope="module")
def forkserver():
    server = ForkServer.start()
    yield server
    server.close()


def test_children_forked_from_the_warm_server_start_clean(forkserver, tmp_path):
    leak = "import tensorflow as tf\ntf.leaked = 1\nprint(tf.Variable(3.0).numpy())"
    look = "import tensorflow as tf\nprint(hasattr(tf, 'leaked'), tf.Variable(2.0).numpy())"
    with run([leak], tmp_path, forkserver) as first:
        assert report(first, 1).output == "3.0\n"
    with run([look], tmp_path, forkserver) as second:
        assert report(second, 1).output == "False 2.0\n"


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "forked"])
def test_a_cell_that_blocks_the_alarm_is_killed_and_later_cells_still_run(
    tmp_path, warm, forkserver
):
    cells = [
        "a = 1",
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass",
        "import os\nos._exit(0)",
        "b = a + 1\nprint(b)",
    ]
    with run(cells, tmp_path, forkserver if warm else None, cell_seconds=1.0) as session:
        assert [report(session, n).status for n in range(1, 5)] == ["ok", "timeout", "killed", "ok"]
        assert report(session, 4).output == "2\n"
        assert session.skip == {1, 2}


def test_total_limit_ends_the_submission_with_a_reason(tmp_path):
    cells = ["import time\nwhile True:\n    time.sleep(0.1)"] * 6
    session = NotebookSession(
        [(n, to_python(c)) for n, c in enumerate(cells, 1)],
        PROBES,
        tmp_path,
        Limits(cell_seconds=2.0, total_seconds=8.0),
    )
    with session, pytest.raises(ProbeFailed, match="total time limit"):
        session.run_cells()
        session.probe("train_step_run", start=0.0, steps=1, detail_steps=1)


KILL_ONCE = (
    "import os, signal\n"
    "def kill_once():\n"
    "    if not os.path.exists('tried'):\n"
    "        open('tried', 'w').close()\n"
    "        os.kill(os.getpid(), signal.SIGKILL)\n"
)


def test_a_cell_whose_process_is_killed_by_a_signal_once_runs_again(forkserver, tmp_path):
    """As when the kernel's out-of-memory killer picks the student's process: one more try."""
    cells = [KILL_ONCE + "kill_once()\nx = 1", "print(x)"]
    with run(cells, tmp_path, forkserver) as session:
        assert [report(session, n).status for n in (1, 2)] == ["ok", "ok"]
        assert report(session, 2).output == "1\n"
        assert session.problems == ["cell 1: the process was killed by SIGKILL; retried once"]


def test_a_cell_killed_by_a_signal_twice_is_recorded_with_the_signal(forkserver, tmp_path):
    cells = ["import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", "print('after')"]
    with run(cells, tmp_path, forkserver) as session:
        assert report(session, 1).status == "killed"
        assert "SIGSEGV, twice" in report(session, 1).error["message"]
        assert report(session, 2).output == "after\n"


def test_a_probe_whose_process_is_killed_by_a_signal_once_is_asked_again(forkserver, tmp_path):
    cells = [
        "import tensorflow as tf\nw = tf.Variable(0.0)\noptimizer = tf.keras.optimizers.Adam(0.1)",
        KILL_ONCE + "def train_step():\n    kill_once()\n    with tf.GradientTape() as tape:\n"
        "        cost = w ** 2 - 10 * w + 25\n    grads = tape.gradient(cost, [w])\n"
        "    optimizer.apply_gradients(zip(grads, [w]))",
    ]
    with run(cells, tmp_path, forkserver) as session:
        answer = session.probe("train_step_run", start=0.0, steps=2, detail_steps=2)
        assert answer["error"] is None and len(answer["path"]) == 2
        assert answer["path"][0] == pytest.approx(0.0999993, abs=1e-7)
        assert session.problems == [
            "probe train_step_run: the process was killed by SIGKILL; retried once"
        ]


STUDENT_ADAM = (
    "import tensorflow as tf\n"
    "from tensorflow.keras.optimizers import Adam\n"
    "import tf_keras\n"
    "w = tf.Variable(0.0)\n"
    "optimizer = Adam(0.1)\n"
    "same = type(optimizer) is tf.keras.optimizers.Adam is tf_keras.optimizers.Adam\n"
    "def step():\n"
    "    with tf.GradientTape() as tape:\n"
    "        cost = w ** 2 - 10 * w + 25\n"
    "    grads = tape.gradient(cost, [w])\n"
    "    optimizer.apply_gradients(zip(grads, [w]))\n"
    "step()\n"
    "first = float(w.numpy())\n"
    "for _ in range(999):\n"
    "    step()\n"
    "print(type(optimizer).__module__, same, f'{first:.7f}', f'{float(w.numpy()):.6f}')"
)


@pytest.mark.parametrize("gpu", [False, True], ids=["cpu", "gpu"])
def test_the_notebooks_own_adam_gives_the_course_numbers(tmp_path, gpu):
    """On CPU it is the grader's faster Adam, whichever way it is imported; with a GPU,
    tf_keras's own. Either way, one step gives 0.0999993 and 1000 give 5.000001."""
    session = NotebookSession(
        [(1, to_python(STUDENT_ADAM))], PROBES, tmp_path, Limits(cell_seconds=120), gpu=gpu
    )
    with session:
        (cell,) = session.run_cells()
    module = "autograder.tflab.fast_adam" if not gpu else "tf_keras.src.optimizers.adam"
    assert cell.output == f"{module} True 0.0999993 5.000001\n"


def test_the_sandbox_leaves_what_ordinary_code_needs(forkserver):
    cells = [
        "import os, tempfile, statistics, fractions\n"
        "open(os.devnull, 'w').write('discarded')\n"
        "with tempfile.NamedTemporaryFile('w') as scratch:\n"
        "    scratch.write('x')\n"
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2])\n"
        "plt.savefig('curve.png')\n"
        "print(os.path.getsize('curve.png') > 0, statistics.mean([1, 3]))"
    ]
    with tempfile.TemporaryDirectory(dir=reachable_temp_dir()) as workdir:  # as in grading
        with run(cells, Path(workdir), forkserver, cell_seconds=60) as session:
            assert report(session, 1).output == "True 2\n", report(session, 1).error
