"""The only channel between the grader and a student's process: JSON lines over a pipe.

JSON, not pickle: decoding a message must never run code chosen by the sender.
Every message is size-capped, and the reader works against a deadline so a silent
or flooding child can't stall the grader.
"""

import json
import os
import select
import time
from dataclasses import dataclass, field

MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class ChannelError(Exception):
    """The other end broke the protocol: closed, too slow, too big, or not JSON."""


class ChannelClosed(ChannelError):
    pass


class ChannelTimeout(ChannelError):
    pass


def encode(message: dict) -> bytes:
    """One message as one line. json.dumps escapes newlines inside strings."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict:
    try:
        message = json.loads(line.decode("utf-8"))
    # ValueError covers bad UTF-8 and bad JSON, and also integers too long to convert;
    # RecursionError, arrays or objects nested thousands deep: any of these from the
    # student's process is its broken message, never the grader's crash.
    except (ValueError, RecursionError) as error:
        raise ChannelError(f"malformed message: {error}") from None
    if not isinstance(message, dict):
        raise ChannelError(f"malformed message: expected an object, got {type(message).__name__}")
    return message


def send(fd: int, message: dict) -> None:
    data = encode(message)
    while data:
        written = os.write(fd, data)
        data = data[written:]


@dataclass
class Reader:
    """Reads newline-delimited JSON messages from a file descriptor."""

    fd: int
    max_bytes: int = MAX_MESSAGE_BYTES
    _buffer: bytearray = field(default_factory=bytearray)

    def receive(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line = bytes(self._buffer[:newline])
                del self._buffer[: newline + 1]
                return decode(line)
            if len(self._buffer) > self.max_bytes:
                raise ChannelError(f"message larger than {self.max_bytes} bytes")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChannelTimeout(f"no message within {timeout:.0f} s")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                raise ChannelClosed("the other end closed the channel")
            self._buffer.extend(chunk)
