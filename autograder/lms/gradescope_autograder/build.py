"""`autograder bundle`: the zip Gradescope takes as a programming assignment's autograder.

At its root, as Gradescope requires, setup.sh and run_autograder; beside them the grader's
own package (with every lab's hidden checks, which the sandbox keeps from student code
there as here), requirements.txt (the package's dependencies), constraints.txt (the lock
that pins them, the same file `make setup` installs through) and bundle.json (the lab, the
visibility of results, the late policy and time limits chosen here).

The zip is the same bytes for the same inputs: entries in a fixed order with a fixed
time, so a rebuilt bundle shows no change unless something in it changed.
"""

import importlib.metadata
import json
import zipfile
from dataclasses import asdict, replace
from pathlib import Path

import autograder
from autograder.lab import Lab, get_lab
from autograder.late import PolicyError, parse_policy
from autograder.lms.gradescope_autograder.run import CONFIG, LAB_FOLDER, Config
from autograder.results import VISIBILITIES

DISTRIBUTION = "tf-autograder"
PACKAGE = Path(autograder.__file__).resolve().parent
HERE = Path(__file__).resolve().parent  # setup.sh and run_autograder sit beside this module
LOCK = PACKAGE.parent / "constraints.txt"
EXECUTABLE = 0o100755  # a regular file, rwxr-xr-x: Gradescope runs both scripts directly
REGULAR = 0o100644
FIXED_TIME = (2026, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle can't be built as asked; the message says why."""


def build_bundle(out: Path, config: Config, lock: Path = LOCK) -> list[str]:
    """Write the zip to `out`; returns its entry names. A lab from a folder outside the
    package travels in the bundle's lab/ folder, and bundle.json names it there."""
    lab = _validate(config)
    outside = lab.folder is not None and not lab.folder.is_relative_to(PACKAGE)
    if outside:
        config = replace(config, lab=LAB_FOLDER)
    if not lock.is_file():
        raise BundleError(
            f"the lock {lock} is missing: bundle from a checkout of the grader (make setup),"
            " so the bundle pins the same versions"
        )
    entries = {
        "setup.sh": ((HERE / "setup.sh").read_bytes(), EXECUTABLE),
        "run_autograder": ((HERE / "run_autograder").read_bytes(), EXECUTABLE),
        "requirements.txt": (_requirements().encode(), REGULAR),
        "constraints.txt": (lock.read_bytes(), REGULAR),
        CONFIG: (json.dumps(asdict(config), indent=2).encode() + b"\n", REGULAR),
    }
    entries.update(_files(PACKAGE, "package/autograder"))
    if outside:
        entries.update(_files(lab.folder, LAB_FOLDER))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:  # whole or not at all: a half-written bundle must never be uploaded
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, (data, mode) in entries.items():
                info = zipfile.ZipInfo(name, FIXED_TIME)
                info.external_attr = mode << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return list(entries)


def _files(folder: Path, prefix: str) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder` but Python's caches, as zip entries under `prefix`."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            mode = EXECUTABLE if path.stat().st_mode & 0o111 else REGULAR
            found[f"{prefix}/{path.relative_to(folder).as_posix()}"] = (path.read_bytes(), mode)
    return found


def _validate(config: Config) -> Lab:
    try:
        lab = get_lab(config.lab)
    except KeyError as error:
        raise BundleError(str(error.args[0])) from None
    if config.visibility not in VISIBILITIES:
        raise BundleError(f"--visibility must be one of {', '.join(VISIBILITIES)}")
    try:  # the due date comes from Gradescope; any date checks the rest of the policy
        parse_policy("2026-01-01T00:00+00:00", None, config.grace, config.penalty,
                     config.penalty_cap)  # fmt: skip
    except PolicyError as error:
        raise BundleError(str(error)) from None
    return lab


def _requirements() -> str:
    """The package's own dependencies (not its extras): the lock pins each exactly."""
    try:
        requires = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise BundleError(f"{DISTRIBUTION} is not installed: run make setup first") from None
    lines = [line for line in requires if "extra ==" not in line]
    return "".join(f"{line}\n" for line in lines)
