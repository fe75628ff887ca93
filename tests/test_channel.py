import os

import pytest

from autograder import channel


@pytest.fixture
def pipe():
    read_fd, write_fd = os.pipe()
    yield read_fd, write_fd
    for fd in (read_fd, write_fd):
        try:
            os.close(fd)
        except OSError:
            pass


def test_messages_round_trip_in_order(pipe):
    read_fd, write_fd = pipe
    channel.send(write_fd, {"a": [1.5, None, "é"]})
    channel.send(write_fd, {"b": "line\nbreak"})
    reader = channel.Reader(read_fd)
    assert reader.receive(1) == {"a": [1.5, None, "é"]}
    assert reader.receive(1) == {"b": "line\nbreak"}


def test_oversized_message_is_refused(pipe):
    read_fd, write_fd = pipe
    os.write(write_fd, b'{"x": "' + b"y" * 5000)
    with pytest.raises(channel.ChannelError, match="larger than"):
        channel.Reader(read_fd, max_bytes=1000).receive(1)


@pytest.mark.parametrize("line", [b"not json\n", b"[1, 2]\n", b"\xff\xfe\n"])
def test_malformed_lines_are_refused_not_evaluated(pipe, line):
    read_fd, write_fd = pipe
    os.write(write_fd, line)
    with pytest.raises(channel.ChannelError, match="malformed"):
        channel.Reader(read_fd).receive(1)


def test_pickle_payloads_are_just_bad_json(pipe):
    import pickle

    read_fd, write_fd = pipe
    os.write(write_fd, pickle.dumps(os.system) + b"\n")
    with pytest.raises(channel.ChannelError):
        channel.Reader(read_fd).receive(1)


def test_silence_times_out_and_closing_is_reported(pipe):
    read_fd, write_fd = pipe
    reader = channel.Reader(read_fd)
    with pytest.raises(channel.ChannelTimeout):
        reader.receive(0.2)
    os.close(write_fd)
    with pytest.raises(channel.ChannelClosed):
        reader.receive(1)
