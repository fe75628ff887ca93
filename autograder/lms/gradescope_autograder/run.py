"""What run_autograder does on Gradescope: grade /autograder/submission, write
/autograder/results/results.json.

The submission is graded exactly as `autograder grade` grades it, through the same run
module: a warm fork server, a fresh sandboxed child, probes over JSON, the hidden checks in
this process. Gradescope's
submission_metadata.json gives the submission time and the student's due date, so the
late policy set at bundle time applies here too.

results.json must exist whatever happens: before grading starts, a placeholder result
(score 0, and what stopped the grader) is written, and replaced once the real result is
ready. A container killed for memory or time leaves that placeholder, never nothing.
"""

import json
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.grade import GradingOptions, ungraded
from autograder.grading_run import grade_one
from autograder.intake import IntakeError, discover
from autograder.lab import Lab, get_lab, only_lab
from autograder.late import LatePolicy, assess, parse_policy, parse_time
from autograder.lms import gradescope
from autograder.results import SubmissionResult
from autograder.sandbox.session import Limits
from autograder.submission import Submission
from autograder.terminal import sandbox_gaps

DEFAULT_ROOT = Path("/autograder")
CONFIG = "bundle.json"  # written by `autograder bundle` beside setup.sh
LAB_FOLDER = "lab"  # where a lab from outside the package travels in the bundle


@dataclass(frozen=True)
class Config:
    """What the instructor chose at bundle time."""

    lab: str = ""  # a lab's name, or LAB_FOLDER; empty: the one built-in lab
    visibility: str = "visible"
    penalty: str = "none"  # the late policy, as `export` takes it; the due date is Gradescope's
    grace: str = "0m"
    penalty_cap: str | None = None
    cell_seconds: float = 60.0
    total_seconds: float = 480.0  # under Gradescope's default 10-minute timeout

    @classmethod
    def read(cls, path: Path) -> "Config":
        known = set(cls.__dataclass_fields__)
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return cls(**{key: value for key, value in data.items() if key in known})


def main(root: Path) -> int:
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    config = Config.read(root / "source" / CONFIG)
    if not config.lab:
        config = replace(config, lab=only_lab())
    if config.lab == LAB_FOLDER:  # the lab came in the bundle: its folder, by its path here
        config = replace(config, lab=str(root / "source" / LAB_FOLDER))
    _write(results, _placeholder(config), config)
    # Gradescope stops a run that passes its timeout with SIGTERM: say so in the result.
    signal.signal(signal.SIGTERM, lambda *_: _stopped(results, config))
    try:
        result = grade(root, config)
    except Exception as error:  # noqa: BLE001 - a grader failure still gets a results.json
        result = ungraded(
            get_lab(config.lab),
            f"Not graded: the autograder failed ({type(error).__name__}: {error}), not your"
            " notebook. Ask your instructor to rerun it.",
        )
    _write(results, result, config)
    for line in sandbox_gaps(Counter(result.refused_defences())):
        print(line)  # the instructor reads run_autograder's output; students don't
    print(f"score {result.score:g} / {result.max_score:g}; wrote {results}")
    return 0


def grade(root: Path, config: Config) -> SubmissionResult:
    lab = get_lab(config.lab)
    metadata = _read_text(root / "submission_metadata.json")
    chosen, reason = choose_submission(root / "submission", lab)
    if chosen is None:
        return ungraded(lab, f"Not graded: {reason}")
    started = time.monotonic()
    options = GradingOptions(
        Limits(
            cell_seconds=config.cell_seconds,
            probe_seconds=config.cell_seconds,
            total_seconds=config.total_seconds,
        )  # fmt: skip
    )
    result = grade_one(chosen, lab, options)
    result.execution_time = time.monotonic() - started
    return _with_late_policy(result, lab, config, metadata)


def choose_submission(folder: Path, lab: Lab) -> tuple[Submission | None, str]:
    """The one file to grade: the lab's notebook by name, else the only notebook, else the
    only zip (otter's export). Several candidates and none named right: refused, with the
    names, rather than guessing which one the student meant."""
    try:
        found = [s for s in discover(folder) if not s.superseded_by]
    except IntakeError as error:
        return None, f"{error}."
    if not found:
        return None, (f"no notebook was submitted: upload {lab.notebook_name}, or the zip"
                      " grader.export() wrote.")  # fmt: skip
    for pick in (
        [s for s in found if s.source.name == lab.notebook_name],
        [s for s in found if s.source.suffix.lower() == ".ipynb"],
        [s for s in found if s.source.suffix.lower() == ".zip"],
    ):
        if len(pick) == 1:
            return pick[0], ""
    names = ", ".join(sorted(str(s.source.relative_to(folder)) for s in found))
    return None, (f"{len(found)} files could be the notebook ({names}): submit one,"
                  f" named {lab.notebook_name}.")  # fmt: skip


def _with_late_policy(result, lab: Lab, config: Config, metadata: str) -> SubmissionResult:
    if config.penalty == "none" or result.extra_data.get("ungraded"):
        return result
    identity = gradescope.identity_from_json(metadata)
    due = parse_time(gradescope.due_date(metadata))
    submitted = parse_time(identity.get("submitted_at"))
    if due is None or submitted is None:
        return result
    policy: LatePolicy = parse_policy(
        due.isoformat(), None, config.grace, config.penalty, config.penalty_cap
    )
    lateness = assess(policy, result.score, lab.max_score, submitted, False,
                      "Gradescope's submission time")  # fmt: skip
    if not lateness.days:
        return result
    data = gradescope.with_late_penalty(
        result.to_json(), lateness, lateness.describe(result.score, lab.max_score)
    )
    return SubmissionResult.from_json(data)


def _placeholder(config: Config) -> SubmissionResult:
    return ungraded(
        get_lab(config.lab),
        "Not graded: the autograder stopped before it finished, most likely at the"
        " container's memory or time limit. Ask your instructor; this is not a mark on"
        " your notebook.",
    )


def _stopped(results: Path, config: Config) -> None:
    result = ungraded(
        get_lab(config.lab),
        "Not graded: Gradescope stopped the autograder at its time limit before grading"
        " finished. Ask your instructor to raise the timeout and rerun.",
    )
    _write(results, result, config)
    os._exit(0)


def _write(path: Path, result: SubmissionResult, config: Config) -> None:
    result.visibility = config.visibility
    result.stdout_visibility = "hidden"
    result.write(path)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


if __name__ == "__main__":
    sys.exit(main(Path(os.environ.get("AUTOGRADER_ROOT") or DEFAULT_ROOT)))
