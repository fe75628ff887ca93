"""One batch of broken files, hostile notebooks and valid ones: it finishes, and nobody is lost.

Every input must come out with a score and a reason, and a row in the gradebook. Hostile
notebooks are valid solutions plus one attacking cell (or an attacking train_step), so
each is scored by its real work: an attack confined to its cell costs nothing else.
"""

import json
import socket
import sqlite3
import threading
from pathlib import Path

import pytest

from bench.hostile import REFERENCE, bad_inputs, hostile_notebooks, reference_with
from tests.conftest import grade_folder, part_scores

HIDDEN_CHECK_LINE = "FIRST_STEP_TOLERANCE = 1e-6"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    out = tmp_path_factory.mktemp("batch-out")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    options = ("--cell-timeout", "10", "--probe-timeout", "30")
    # valid_one is graded by an earlier run: the batch finds it in the gradebook and leaves
    # its result file as it is, so an attack that overwrote that file would show.
    (folder / "valid_one.ipynb").write_bytes(REFERENCE.read_bytes())
    grade_folder(folder, out, "--workers", "1", *options)
    earlier_result = (out / "valid_one.json").read_bytes()
    bad = bad_inputs()
    hostile = hostile_notebooks(out, listener.getsockname()[1])
    for name, (data, _) in {**bad, **hostile}.items():
        (folder / name).write_bytes(data)
    (folder / "valid_two.ipynb").write_bytes(reference_with("print('another valid one')"))
    results = grade_folder(folder, out, "--workers", "2", *options)
    stop.set()
    thread.join()
    listener.close()
    return {
        "results": results,
        "bad": bad,
        "hostile": hostile,
        "out": out,
        "folder": folder,
        "connections": connections,
        "earlier_result": earlier_result,
    }


def test_every_input_has_a_result_with_a_score_and_a_reason(batch):
    expected = {Path(name).stem for name in [*batch["bad"], *batch["hostile"]]}
    expected |= {"valid_one", "valid_two"}
    assert set(batch["results"]) == expected
    for name, result in batch["results"].items():
        assert isinstance(result["score"], float), name
        assert result["output"].strip(), name


def test_every_input_has_exactly_one_row_in_the_gradebook(batch):
    with sqlite3.connect(batch["out"] / "gradebook.sqlite") as db:
        names = [row[0] for row in db.execute("SELECT name FROM submissions")]
    assert sorted(names) == sorted(batch["results"])


@pytest.mark.parametrize(
    "name",
    [
        "not_json",
        "truncated",
        "binary",
        "empty",
        "empty_zip",
        "bomb",
        "escape",
        "absolute",
        "nbformat3",
        "no_cells",
        "missing_cells",
        "wrong_cells",
        "source_not_text",
        "huge_200mb",
        "latin1",
        "untouched",
    ],
)
def test_a_broken_file_scores_zero_with_a_reason_the_instructor_can_act_on(batch, name):
    file = next(f for f in batch["bad"] if Path(f).stem == name)
    words = batch["bad"][file][1]
    result = batch["results"][name]
    assert result["score"] == 0.0
    everything = result["output"] + " ".join(test["output"] for test in result["tests"])
    assert words in everything


def test_valid_submissions_get_full_marks_among_all_this(batch):
    assert batch["results"]["valid_one"]["score"] == 10.0
    assert batch["results"]["valid_two"]["score"] == 10.0


@pytest.mark.parametrize(
    "name",
    [
        "loop_top_level",
        "loop_in_train_step",
        "memory_hog",
        "fork_bomb",
        "os_exit",
        "sys_exit",
        "keyboard_interrupt",
        "system_exit",
        "kill_parent",
        "kill_neighbours",
        "leak_checks",
        "overwrite_results",
        "socket",
        "print_gigabyte",
        "huge_outputs",
        "fake_results",
    ],
)
def test_a_hostile_notebook_is_stopped_and_scored_by_its_real_work(batch, name):
    file = next(f for f in batch["hostile"] if Path(f).stem == name)
    result = batch["results"][name]
    assert result["score"] == batch["hostile"][file][1], result["output"]


def test_no_attack_reached_the_grader_or_other_results(batch):
    leak = json.dumps(batch["results"]["leak_checks"])
    assert HIDDEN_CHECK_LINE not in leak
    assert batch["connections"] == []
    # overwrite_results went for valid_one's result, written by the earlier run and not
    # written again since: the batch found it in the gradebook
    with sqlite3.connect(batch["out"] / "gradebook.sqlite") as db:
        rows = db.execute("SELECT count(*) FROM submissions WHERE name = 'valid_one'").fetchone()
    assert rows == (1,), "valid_one was graded again, after the attack"
    assert (batch["out"] / "valid_one.json").read_bytes() == batch["earlier_result"]
    valid = json.loads(batch["earlier_result"])
    assert valid["score"] == 10.0 and valid["tests"]


def test_a_train_step_that_never_returns_fails_with_the_time_limit_as_its_reason(batch):
    result = batch["results"]["loop_in_train_step"]
    parts = part_scores(result)
    assert parts == {"train_step": 0.0, "trainable_variables": 0.0, "minimize": 4.0}
    reasons = " ".join(test["output"] for test in result["tests"] if test["score"] == 0)
    assert "time limit" in reasons
