"""Runs a lab's hidden pytest checks in the grader process and collects their verdicts.

The checks see the student's work only through the `observe` fixture, which forwards
probe requests to the student's process and returns plain data.
"""

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from autograder.checks import MARKERS, CheckFailed
from autograder.results import TestResult
from autograder.sandbox.session import ProbeFailed

log = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "This check could not finish because of a problem in the grader, not in your notebook. "
    "Your instructor has been told."
)


class _CheckPlugin:
    def __init__(self, observe: Callable[..., dict], seed: int, context: dict):
        self._observe = observe
        self._seed = seed
        self._context = context
        self._tips: dict[str, list[str]] = {}
        self.verdicts: list[tuple[pytest.Item, BaseException | None, float, list[str]]] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        for line in MARKERS:
            config.addinivalue_line("markers", line)

    @pytest.fixture
    def observe(self) -> Callable[..., dict]:
        return self._observe

    @pytest.fixture
    def seed(self) -> int:
        return self._seed

    @pytest.fixture
    def notebook_context(self) -> dict:
        return self._context

    @pytest.fixture
    def tips(self, request: pytest.FixtureRequest) -> list[str]:
        """Advice a check appends without costing points: shown whether it passes or not."""
        return self._tips.setdefault(request.node.nodeid, [])

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        if call.when == "call" or (call.when == "setup" and report.failed):
            error = call.excinfo.value if call.excinfo is not None else None
            tips = self._tips.get(item.nodeid, [])
            self.verdicts.append((item, error, report.duration, tips))


def run_checks(
    checks_dir: Path, observe: Callable[..., dict], seed: int, context: dict
) -> list[TestResult]:
    plugin = _CheckPlugin(observe, seed, context)
    args = [
        str(checks_dir),
        "-c",
        os.devnull,  # the project's own pytest settings must not apply here
        "--rootdir",
        str(checks_dir),
        "-o",
        "python_files=check_*.py",
        "-o",
        "python_functions=check_*",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        "--assert=plain",
        "--import-mode=importlib",
        "-W",
        "ignore",
    ]
    code = pytest.main(args, plugins=[plugin])
    if not plugin.verdicts:
        raise RuntimeError(f"no hidden checks ran from {checks_dir} (pytest exit code {code})")
    return [_to_result(*verdict) for verdict in plugin.verdicts]


def _to_result(
    item: pytest.Item, error: BaseException | None, seconds: float, tips: list[str]
) -> TestResult:
    points_marker = item.get_closest_marker("points")
    part_marker = item.get_closest_marker("part")
    max_score = float(points_marker.args[0]) if points_marker else 1.0
    doc = (getattr(item, "obj", None).__doc__ or item.name).strip().splitlines()[0]
    if error is None:
        status, score, output = "passed", max_score, ""
    elif isinstance(error, CheckFailed):
        status, score, output = "failed", 0.0, str(error)
    elif isinstance(error, ProbeFailed):
        status, score, output = "failed", 0.0, f"Your code could not be measured: {error}."
    else:
        log.error("hidden check %s raised %r", item.nodeid, error, exc_info=error)
        status, score, output = "failed", 0.0, INTERNAL_ERROR
    output = "\n".join([output, *(f"Tip: {tip}" for tip in tips)]).strip()
    return TestResult(
        name=doc,
        score=score,
        max_score=max_score,
        status=status,
        output=output,
        tags=[part_marker.args[0]] if part_marker else [],
        extra_data={"check": item.name, "seconds": round(seconds, 3)},
    )
