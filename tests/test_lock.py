"""constraints.txt installs on every Python the project supports.

For each supported Python, pip resolves pyproject's dependencies (every extra) through
the lock from wheels only, as `make setup` and `make bench` install them, without
installing anything. Then the system's own python3 (Debian 12 ships 3.11.2), when it is
another Python than the one running the tests, gets a real install in a new venv, as
`make setup` gives it. Needs the package index (PyPI); pip's cache keeps reruns short.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

LOCK = ROOT / "constraints.txt"

# From the floor of requires-python to the newest Python that TensorFlow 2.21.0 has
# wheels for. A bare minor is its .0 release, the lowest of that minor: a pin whose
# Requires-Python asks for a later patch release (soupsieve >= 3.0.2 wants 3.11.5)
# fails there.
SUPPORTED_PYTHONS = ("3.11.0", "3.12", "3.13")
FIRST_UNSUPPORTED_PYTHON = "3.14"

# These change the numbers students are graded on.
GRADE_PINS = ("tensorflow", "tf-keras", "numpy")

SYSTEM_PYTHON = Path("/usr/bin/python3")

# In GRADE_PINS order. Imports them, so a wheel that does not load there fails too.
IMPORT_GRADE_PACKAGES = """
import numpy, tensorflow, tf_keras
print(tensorflow.__version__, tf_keras.__version__, numpy.__version__)
"""

# pip freeze leaves out the packaging tools, so the lock does not pin them.
UNPINNED_TOOLS = {"pip", "setuptools", "wheel"}


def project_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {}).values()
    return [*project["dependencies"], *(req for extra in extras for req in extra)]


def lock_pins() -> dict[str, list[Requirement]]:
    """Every requirement line of the lock, by package name (several when markers split one)."""
    pins: dict[str, list[Requirement]] = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            pins.setdefault(canonicalize_name(requirement.name), []).append(requirement)
    return pins


def pinned_version(requirement: Requirement) -> str:
    (specifier,) = requirement.specifier
    assert specifier.operator == "==", f"{requirement} is not an exact pin"
    return specifier.version


def pip_install(python_version: str, target: Path, *args: str) -> subprocess.CompletedProcess:
    """pip, as this environment's installer, choosing wheels for another Python.

    pip uses --python-version for Requires-Python and wheel tags; environment markers
    in dependencies are still read for the Python running pip.
    """
    command = [
        *(sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"),
        *("--only-binary=:all:", "--python-version", python_version),
        *("--target", str(target), "--disable-pip-version-check"),
        *args,
    ]
    # One stream, so pip's explanation of a conflict reads in order.
    return subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )


def pip_errors(output: str) -> str:
    """pip's account of a failure: from its first ERROR line on, without the download log."""
    lines = output.splitlines()
    first_error = next((i for i, line in enumerate(lines) if line.startswith("ERROR:")), None)
    return "\n".join(lines[first_error:]) if first_error is not None else output[-3000:]


def resolve_lock(python_version: str, tmp_path: Path) -> dict[str, str]:
    """Resolve the project through the lock; return the version pip chose for each package."""
    report = tmp_path / "report.json"
    completed = pip_install(
        python_version,
        tmp_path / "target",
        *("--report", str(report), "-c", str(LOCK)),
        *project_requirements(),
    )
    assert completed.returncode == 0, (
        f"the lock does not install on Python {python_version}:\n{pip_errors(completed.stdout)}"
    )
    chosen = json.loads(report.read_text())["install"]
    return {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"] for item in chosen
    }


def test_supported_pythons_start_at_the_floor_of_requires_python() -> None:
    requires_python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "requires-python"
    ]
    floor = re.fullmatch(r">=\s*([\d.]+)", requires_python)
    assert floor, f"requires-python {requires_python!r} is not a plain floor"
    assert Version(SUPPORTED_PYTHONS[0]) == Version(floor.group(1))
    assert all(Version(python) in SpecifierSet(requires_python) for python in SUPPORTED_PYTHONS)


def test_grade_pins_are_exact_and_the_same_on_every_python() -> None:
    pins = lock_pins()
    for name in GRADE_PINS:
        assert len(pins.get(name, [])) == 1, f"{name} needs exactly one line in the lock"
        (requirement,) = pins[name]
        assert requirement.marker is None, f"{requirement} must not depend on the Python"
        pinned_version(requirement)


@pytest.mark.parametrize("python_version", SUPPORTED_PYTHONS)
def test_lock_installs_on_supported_python(python_version: str, tmp_path: Path) -> None:
    chosen = resolve_lock(python_version, tmp_path)

    pins = lock_pins()
    for name in GRADE_PINS:
        (requirement,) = pins[name]
        assert chosen.get(name) == pinned_version(requirement), name
    unlocked = sorted(set(chosen) - set(pins) - UNPINNED_TOOLS)
    assert not unlocked, f"installed on Python {python_version} but not pinned: {unlocked}"


def test_tensorflow_has_no_wheels_past_the_newest_supported_python(tmp_path: Path) -> None:
    """When TensorFlow gains wheels for a newer Python, that Python belongs in SUPPORTED_PYTHONS."""
    (tensorflow,) = lock_pins()["tensorflow"]
    completed = pip_install(
        FIRST_UNSUPPORTED_PYTHON, tmp_path / "target", "--no-deps", str(tensorflow)
    )
    assert completed.returncode != 0
    assert "No matching distribution found for tensorflow" in completed.stdout, completed.stdout


def python_identity(python: Path) -> tuple[str, str]:
    """The version and installation (base prefix) of an interpreter."""
    completed = subprocess.run(
        [
            python,
            "-c",
            "import platform, sys; print(platform.python_version(), sys.base_prefix)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    version, base_prefix = completed.stdout.split(maxsplit=1)
    return version, base_prefix.strip()


def reason_to_skip_system_python() -> str | None:
    """Why a real install with the system python3 would add nothing, or None."""
    if not SYSTEM_PYTHON.exists():
        return f"no {SYSTEM_PYTHON}"
    version, base_prefix = python_identity(SYSTEM_PYTHON)
    if base_prefix == sys.base_prefix:
        return f"{SYSTEM_PYTHON} is the Python running the tests, installed by make already"
    newest = Version(FIRST_UNSUPPORTED_PYTHON)
    if not Version(SUPPORTED_PYTHONS[0]) <= Version(version) < newest:
        return f"{SYSTEM_PYTHON} is Python {version}, which the project does not support"
    if subprocess.run([SYSTEM_PYTHON, "-c", "import ensurepip"], check=False).returncode:
        return f"{SYSTEM_PYTHON} has no venv (Debian: apt install python3-venv)"
    return None


def test_lock_installs_with_the_system_python(tmp_path: Path) -> None:
    """A real install, about 1.5 minutes and 2.7 GB, removed afterwards."""
    reason = reason_to_skip_system_python()
    if reason:
        pytest.skip(reason)
    venv = tmp_path / "venv"
    try:
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", venv], check=True)
        pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
        # As the Makefile does: the system's pip can be years older than the lock.
        subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True)
        installed = subprocess.run(
            [*pip, "install", "--quiet", "-c", LOCK, *project_requirements()],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        assert installed.returncode == 0, (
            f"the lock does not install with {SYSTEM_PYTHON}:\n{pip_errors(installed.stdout)}"
        )

        imported = subprocess.run(
            [venv / "bin" / "python", "-c", IMPORT_GRADE_PACKAGES],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        pins = lock_pins()
        expected = [pinned_version(pins[name][0]) for name in GRADE_PINS]
        assert imported.stdout.split() == expected
    finally:
        shutil.rmtree(venv, ignore_errors=True)
