"""What a student's process sends, checked into dataclasses field by field.

Probes run in the student's process, so their answers are untrusted data: a field of the
wrong type, a list too long, a string too long is not believed. A lab declares what a probe
answers as a dataclass with type hints; `parse` builds it from the JSON or fails the check.
"""

import dataclasses
import functools
import types
import typing

from autograder.checks import CheckFailed

MAX_ITEMS = 100_000
MAX_TEXT = 2000


class Malformed(CheckFailed):
    """A measurement that isn't of the shape the probe promises is not believed."""

    def __init__(self):
        super().__init__("Your notebook's process sent malformed measurements.")


def expect(condition: bool) -> None:
    if not condition:
        raise Malformed()


class StudentError(dict):
    """The error a student's code raised: type, message and where (as describe_error sends
    it), each a short string; feedback.explain_error phrases it."""

    @classmethod
    def from_json(cls, data) -> "StudentError":
        expect(isinstance(data, dict))
        return cls(
            {key: str(data.get(key) or "")[:MAX_TEXT] for key in ("type", "message", "where")}
        )


def parse(cls, data, **given):
    """`cls` (a dataclass) from `data`; fields in `given` come from the grader, not the JSON."""
    expect(isinstance(data, dict))
    values = dict(given)
    for name, read, has_default in _fields(cls):
        if name in given or (has_default and name not in data):
            continue
        values[name] = read(data.get(name))
    return cls(**values)


@functools.cache
def _fields(cls) -> tuple:
    """Each field's name, reader and whether it has a default: worked out once per class, as
    a probe's answer may hold thousands of records of one class."""
    hints = typing.get_type_hints(cls)
    return tuple(
        (field.name, _reader(hints[field.name]), field.default is not dataclasses.MISSING)
        for field in dataclasses.fields(cls)
    )


def _checked(kind, convert=None):
    def read(value):
        expect(isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool))
        return convert(value) if convert else value

    return read


@functools.cache
def _reader(hint):
    """A function that checks a JSON value against `hint` and returns it as that type."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in args if arg is not type(None)]
        read, optional = _reader(inner), type(None) in args
        return lambda value: None if value is None and optional else read(value)
    if hint in (bool, int, str):
        return _checked(hint, (lambda text: text[:MAX_TEXT]) if hint is str else None)
    if hint is float:
        return _checked(int | float, float)
    if origin in (tuple, list):
        read = _reader(args[0])

        def sequence(value):
            expect(isinstance(value, list) and len(value) <= MAX_ITEMS)
            return origin(read(item) for item in value)

        return sequence
    if origin is dict:
        read = _reader(args[1])

        def mapping(value):
            expect(isinstance(value, dict) and len(value) <= MAX_ITEMS)
            return {str(key)[:80]: read(item) for key, item in value.items()}

        return mapping
    if hasattr(hint, "from_json"):
        return hint.from_json
    if dataclasses.is_dataclass(hint):
        return lambda value: parse(hint, value)
    raise TypeError(f"parse can't check a field of type {hint}")  # a lab's bug, not a student's
