"""What a student's process sends, checked into dataclasses field by field.

Probes run in the student's process, so their answers are untrusted data: a field of the
wrong type, a list too long, a string too long is not believed. A lab declares what a probe
answers as a dataclass with type hints; `parse` builds it from the JSON or fails the check.
"""

import dataclasses
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
    hints = typing.get_type_hints(cls)
    values = dict(given)
    for field in dataclasses.fields(cls):
        if field.name in given:
            continue
        has_default = field.default is not dataclasses.MISSING
        if field.name not in data and has_default:
            continue
        values[field.name] = _value(hints[field.name], data.get(field.name))
    return cls(**values)


def _value(hint, value):
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _value(inner, value)
    if hint is bool:
        expect(isinstance(value, bool))
        return value
    if hint in (int, float):
        expect(isinstance(value, int | float) and not isinstance(value, bool))
        expect(hint is float or isinstance(value, int))
        return hint(value)
    if hint is str:
        expect(isinstance(value, str))
        return value[:MAX_TEXT]
    if origin in (tuple, list):
        expect(isinstance(value, list) and len(value) <= MAX_ITEMS)
        return origin(_value(args[0], item) for item in value)
    if origin is dict:
        expect(isinstance(value, dict) and len(value) <= MAX_ITEMS)
        return {str(key)[:80]: _value(args[1], item) for key, item in value.items()}
    if hasattr(hint, "from_json"):
        return hint.from_json(value)
    if dataclasses.is_dataclass(hint):
        return parse(hint, value)
    raise TypeError(f"parse can't check a field of type {hint}")  # a lab's bug, not a student's
