"""A function's locals at the moment it returns, also when it raises.

What a student's function built (its list of variables, say) is evidence of its own,
even when a later line of the same function fails: a probe judges each property from
its own evidence, so one mistake costs only its own part.
"""

import contextlib
import sys


def _code_of(function):
    """The code object that runs when `function` is called, through partials, methods and
    @tf.function wrappers."""
    for _ in range(10):
        inner = getattr(function, "python_function", None) or getattr(function, "func", None)
        if inner is None:
            break
        function = inner
    return getattr(getattr(function, "__func__", function), "__code__", None)


@contextlib.contextmanager
def locals_at_return(function, into: dict):
    """Fills `into` with the locals of `function`'s first call when that call ends.

    The profiler's "return" event comes both for a return and for an exception leaving
    the frame, so a call that raises still leaves its locals behind.
    """
    code = _code_of(function)

    def profiler(frame, event, arg):
        if event == "return" and frame.f_code is code and not into:
            into.update(frame.f_locals)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        yield into
    finally:
        sys.setprofile(previous)
