"""The student's own variables and optimizers: found where a function reaches them, and
reset in place.

A probe that looks a variable up by its name in the notebook misses every notebook that
binds it another way. So the probe starts from the function it will call and follows
everything that function can reach: the globals its code names (and those of the
functions it calls), its default arguments, its closure, a bound method's instance and
class, a partial's arguments, and the items of dicts, lists, tuples and the notebook's
own objects. Then it resets the state of what it found (a variable's value, an
optimizer's iterations, slots and learning rate) and observes what the student's code
does with its own objects.
"""

import contextlib
import dis
import functools
import types

import numpy as np
import tensorflow as tf

from autograder.tflab.readers import OPTIMIZER_BASES

MAX_DEPTH = 6
MAX_ITEMS = 200  # items of one container followed at most: a long list is data, not state
_LEAVES = (str, bytes, int, float, complex, bool, type(None), np.ndarray, np.generic)


def _global_names(code: types.CodeType) -> list[str]:
    """The globals a code object reads (not its attribute names: `self.w` is no global w),
    its nested functions, lambdas and comprehensions included."""
    names = [
        i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")
    ]
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names += _global_names(constant)
    return names


def _is_notebooks(item) -> bool:
    """Defined by the notebook (its module is __main__), not by a library."""
    cls = item if isinstance(item, type) else type(item)
    return cls.__module__ == "__main__"


def _reached_from(item) -> list:
    if hasattr(item, "python_function") and not isinstance(item, type):  # @tf.function
        return [item.python_function]
    if isinstance(item, types.FunctionType):
        global_names = item.__globals__
        found = [global_names[n] for n in _global_names(item.__code__) if n in global_names]
        found += list(item.__defaults__ or ()) + list((item.__kwdefaults__ or {}).values())
        for cell in item.__closure__ or ():
            try:
                found.append(cell.cell_contents)
            except ValueError:  # a cell not yet filled
                pass
        return found
    if isinstance(item, types.MethodType):
        return [item.__func__, item.__self__]
    if isinstance(item, functools.partial):
        return [item.func, *item.args, *item.keywords.values()]
    if isinstance(item, dict):
        return list(item.values())[:MAX_ITEMS]
    if isinstance(item, list | tuple | set | frozenset):
        return list(item)[:MAX_ITEMS]
    if isinstance(item, type) and _is_notebooks(item):
        return [value for name, value in vars(item).items() if not name.startswith("__")]
    if isinstance(item, types.SimpleNamespace) or _is_notebooks(item):
        return [*getattr(item, "__dict__", {}).values(), type(item)][:MAX_ITEMS]
    return []


def reachable(*roots) -> tuple[list, list]:
    """The tf.Variables and optimizers reachable from `roots`, nearest first."""
    variables, optimizers, seen = [], [], set()
    frontier = [(root, 0) for root in roots]
    while frontier:
        item, depth = frontier.pop(0)
        if isinstance(item, _LEAVES) or isinstance(item, types.ModuleType) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, tf.Variable):
            variables.append(item)
        elif isinstance(item, OPTIMIZER_BASES):
            optimizers.append(item)
        elif depth < MAX_DEPTH:
            frontier += [(child, depth + 1) for child in _reached_from(item)]
    return variables, optimizers


def plain_globals(function, namespace: dict) -> list[str]:
    """The globals `function`'s code loads that now hold a plain value (None, a number, an
    array, a tensor) rather than a variable: a later cell rebound them, as the notebook of
    a lab does when `w = training(...)` returns something other than w. The student's own
    variable is then gone, and a probe can only put one of its own under that name."""
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    plain = (type(None), int, float, np.number, np.ndarray, tf.Tensor)
    names = dict.fromkeys(_global_names(code) if code else ())
    return [
        name
        for name in names
        if isinstance(namespace.get(name, ()), plain)
        and not isinstance(namespace[name], tf.Variable)
    ]


def reset_variable(variable: tf.Variable, value) -> None:
    """The student's own variable, set back to `value` in place (its identity unchanged)."""
    variable.assign(tf.cast(tf.fill(variable.shape, value), variable.dtype))


def reset_optimizer(optimizer, learning_rate: float | None = None) -> None:
    """The student's own optimizer, made a fresh one of its class and settings in place.

    Fresh means unbuilt: no iterations, no slots, no variables it knows of yet, so it
    takes whatever variables it is handed next, as a new optimizer would. Its identity is
    unchanged, so every binding the notebook made still reaches it. `learning_rate`, if
    given, is the probe's condition, not the notebook's setup.
    """
    try:
        config = optimizer.get_config()
        if learning_rate is not None:
            config["learning_rate"] = learning_rate
        fresh = type(optimizer).from_config(config)
    except Exception:  # noqa: BLE001 - a notebook's own class may not rebuild from its config
        _zero_state(optimizer, learning_rate)
        return
    vars(optimizer).clear()
    vars(optimizer).update(vars(fresh))


def _zero_state(optimizer, learning_rate: float | None) -> None:
    """Iterations and slots back to zero, as a new optimizer starts them (still built)."""
    variables = optimizer.variables
    for variable in variables() if callable(variables) else variables:
        variable.assign(tf.zeros_like(variable))
    if learning_rate is not None:
        optimizer.learning_rate = learning_rate


@contextlib.contextmanager
def substituted(namespace: dict, values: dict):
    """Names of the lab's own interface (a helper function the lab specifies) bound to the
    probe's correct versions while a probe runs, then put back."""
    missing = object()
    saved = {name: namespace.get(name, missing) for name in values}
    namespace.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value
