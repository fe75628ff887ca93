"""What a grading run's numbers depend on: this grader's code, the numeric stack under it,
and whether an AUTOGRADER_SECRET draws the hidden inputs.

Recorded with every run in the gradebook, and compared between a Dask client and its
workers, which must grade with exactly the same.
"""

import hashlib
import os
import platform
from functools import cache
from importlib import metadata
from pathlib import Path

from autograder import __version__
from autograder.seeding import SECRET_VARIABLE

PACKAGE = Path(__file__).resolve().parent


def package_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def python_source_digest(root: Path) -> str:
    """SHA-256 over every .py file under `root`: its path there and its bytes."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def grader_source_digest() -> str:
    """A digest of this package's Python source: two installs with the same version number
    but different code (an edited checkout) are told apart."""
    return python_source_digest(PACKAGE)[:12]


def grading_stack() -> dict[str, str]:
    """Everything that must match between machines that grade the same class."""
    return {
        "grader": f"{__version__} (source {grader_source_digest()})",
        "tensorflow": package_version("tensorflow") or "not installed",
        "tf-keras": package_version("tf-keras") or "not installed",
        "numpy": package_version("numpy") or "not installed",
        "python": ".".join(platform.python_version_tuple()[:2]),
        # The secret draws the hidden inputs: the same on every machine, never sent over
        # the network (Dask's comms are plain TCP unless set up with TLS); only a digest
        SECRET_VARIABLE: _secret_digest(),
    }


def _secret_digest() -> str:
    secret = os.environ.get(SECRET_VARIABLE)
    if not secret:
        return "not set"
    return f"set (sha256 {hashlib.sha256(secret.encode()).hexdigest()[:8]})"
