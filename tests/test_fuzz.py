"""Property-based fuzzing of everything that reads untrusted bytes: the notebook loader,
the JSON channel from the student's process, and the parsing of probe answers.

The grader never crashes on any input, and never takes malformed data for a result.
"""

import json
import math
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder import channel
from autograder.labs.tf_intro.observations import Malformed, Observer, TrainingRun, TrainStepRun
from autograder.notebook import Notebook, NotebookError, load_notebook
from autograder.sandbox.session import _cell_report

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

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
    message = {"event": "x", "value": value}
    if any(isinstance(v, float) and not math.isfinite(v) for v in _leaves(value)):
        return  # json.dumps writes NaN; the grader's decoder must still not crash on it
    assert channel.decode(channel.encode(message)[:-1]) == message


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


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
def test_a_cell_report_from_any_message_has_the_right_types(value):
    message = value if isinstance(value, dict) else {"status": value, "output": value}
    report = _cell_report(0, 1, message)
    assert report.status in ("ok", "error", "timeout")
    assert isinstance(report.output, str) and len(report.output) <= 8000
    assert report.error is None or isinstance(report.error, dict)
    assert all(isinstance(note, str) for note in report.notes)
    assert isinstance(report.seconds, float)


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
