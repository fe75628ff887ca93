"""Property-based fuzzing of everything that reads untrusted bytes: the notebook loader,
the JSON channel from the student's process, and the parsing of probe answers.

The grader never crashes on any input, and never takes malformed data for a result.
"""

import json
import math
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autograder import channel
from autograder.labs.tf_intro.observations import Observer, TrainingRun, TrainStepRun
from autograder.notebook import Notebook, NotebookError, load_notebook
from autograder.sandbox.session import _cell_report
from autograder.tflab.observer import close
from autograder.tflab.parsing import Malformed

# FUZZ_EXAMPLES=15000 searches deeper (about 10 minutes); CI runs the default.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


def cell_like():
    """Dicts shaped roughly like notebook cells, with wrong types mixed in."""
    return st.fixed_dictionaries(
        {},
        optional={
            "cell_type": st.sampled_from(["code", "markdown", "raw", 3, None]),
            "source": st.one_of(
                st.text(max_size=50), st.lists(st.text(max_size=10), max_size=4), json_values
            ),
            "metadata": json_values,
            "outputs": json_values,
        },
    )


notebook_like = st.fixed_dictionaries(
    {},
    optional={
        "cells": st.one_of(st.lists(cell_like(), max_size=6), json_values),
        "nbformat": st.sampled_from([4, 3, 5, "4", None]),
        "nbformat_minor": st.integers(0, 10),
        "metadata": json_values,
        "worksheets": json_values,
    },
)


def assert_loaded_or_refused(data: bytes) -> None:
    try:
        notebook = load_notebook(data)
    except NotebookError as error:
        assert str(error)  # a reason the instructor can read
        return
    assert isinstance(notebook, Notebook) and notebook.cells
    assert [cell.number for cell in notebook.cells] == list(range(1, len(notebook.cells) + 1))
    assert all(
        isinstance(cell.source, str) and isinstance(cell.python, str) for cell in notebook.cells
    )


@FUZZ
@given(st.binary(max_size=2000))
def test_the_loader_takes_any_bytes_without_crashing(data):
    assert_loaded_or_refused(data)


@FUZZ
@given(notebook_like)
def test_the_loader_takes_any_notebook_shaped_json_without_crashing(document):
    assert_loaded_or_refused(json.dumps(document).encode())


@FUZZ
@given(json_values)
def test_channel_messages_round_trip_or_are_refused(value):
    # NaN and ±Infinity included: json.dumps writes them as bare tokens, and the decoder
    # must give them back as the same floats.
    message = {"event": "x", "value": value}
    assert same_json(channel.decode(channel.encode(message)[:-1]), message)


def same_json(a, b) -> bool:
    """Equal as JSON values, types included, with NaN equal to NaN (unlike in Python)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict):
        return (
            isinstance(b, dict) and a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same_json, a, b))
    return type(a) is type(b) and a == b


def test_same_json_tells_values_apart():  # the round trip above is only as good as this
    nan = float("nan")
    assert same_json({"v": [nan, 1.0]}, {"v": [nan, 1.0]})
    assert not same_json({"v": nan}, {"v": 1.0})
    assert not same_json({"v": 1.0}, {"v": nan})
    assert not same_json({"v": 1}, {"v": 1.0})
    assert not same_json({"v": [1.0]}, {"v": [1.0, 2.0]})


@pytest.mark.parametrize(
    ("token", "expected"),
    [("NaN", math.nan), ("Infinity", math.inf), ("-Infinity", -math.inf), ("1e999", math.inf)],
)
def test_non_finite_numbers_from_the_child_are_floats_no_check_takes_as_correct(token, expected):
    # What json.dumps writes in the student's process when w diverges to NaN or infinity.
    line = f'{{"event":"result","path":[{token},{token}],"steps":[],"error":null}}'.encode()
    message = channel.decode(line)
    assert same_json(message["path"], [expected, expected])
    run = observer(message).train_step(1.0)
    assert isinstance(run, TrainStepRun) and len(run.path) == 2
    assert not any(close(w, 5.0, tolerance=1e300) for w in run.path)


@pytest.mark.parametrize(
    "line",
    [b"[" * 100_000, b'{"a":' * 100_000, b'{"v":' + b"7" * 5000 + b"}"],
    ids=["arrays_nested_deep", "objects_nested_deep", "an_integer_of_5000_digits"],
)
def test_json_that_python_cannot_build_is_refused_as_malformed(line):
    # Each fits well under the size cap; json.loads raises RecursionError or ValueError.
    with pytest.raises(channel.ChannelError, match="malformed message"):
        channel.decode(line)


@pytest.mark.parametrize("token", ["nan", "inf", "-NaN", "+Infinity", "Infinityx", "NaN1"])
def test_non_finite_numbers_spelt_otherwise_are_refused_as_malformed(token):
    with pytest.raises(channel.ChannelError, match="malformed message"):
        channel.decode(f'{{"event":"result","path":[{token}]}}'.encode())


@FUZZ
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_the_reader_returns_objects_or_raises_channel_errors_on_any_stream(chunks):
    read_fd, write_fd = os.pipe()
    try:
        for chunk in chunks:
            os.write(write_fd, chunk)
        os.close(write_fd)
        write_fd = None
        reader = channel.Reader(read_fd, max_bytes=1000)
        for _ in range(20):
            try:
                message = reader.receive(timeout=1.0)
            except channel.ChannelError:
                break
            assert isinstance(message, dict)
    finally:
        os.close(read_fd)
        if write_fd is not None:
            os.close(write_fd)


@FUZZ
@given(json_values)
@example({"seconds": [None]})
@example({"seconds": 10**400})
@example({"seconds": float("nan")})
@example({"seconds": "1.5"})
def test_a_cell_report_from_any_message_has_the_right_types(value):
    message = value if isinstance(value, dict) else {"status": value, "output": value}
    report = _cell_report(0, 1, message)
    assert report.status in ("ok", "error", "timeout")
    assert isinstance(report.output, str) and len(report.output) <= 8000
    assert report.error is None or isinstance(report.error, dict)
    assert all(isinstance(note, str) for note in report.notes)
    assert isinstance(report.seconds, float)
    assert math.isfinite(report.seconds) and report.seconds >= 0


probe_answer = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "path": json_values,
            "error": json_values,
            "steps": st.lists(json_values, max_size=3),
            "local_trainable_variables": json_values,
            "returned_is_w": json_values,
            "returned_type": json_values,
            "w_final": json_values,
            "updates": json_values,
            "pairs": st.lists(json_values, max_size=3),
        },
    ),
)


def observer(answer) -> Observer:
    return Observer(lambda name, **args: answer, {"cell_problems": []})


@FUZZ
@given(probe_answer)
def test_probe_answers_are_parsed_into_typed_results_or_refused(answer):
    for ask in (lambda o: o.train_step(1.0), lambda o: o.training((1.0, -10.0, 25.0))):
        try:
            run = ask(observer(answer))
        except Malformed:
            continue
        assert isinstance(run, TrainStepRun | TrainingRun)
        if isinstance(run, TrainStepRun):
            assert all(isinstance(value, float) for value in run.path)
        else:
            assert isinstance(run.updates, int) and not isinstance(run.updates, bool)
            assert run.w_final is None or isinstance(run.w_final, float)
