"""What a grading run's numbers depend on: this grader's code and the numeric stack under it.

Recorded with every run in the gradebook, and compared between a Dask client and its
workers, which must grade with exactly the same.
"""

import hashlib
import platform
from functools import cache
from importlib import metadata
from pathlib import Path

from autograder import __version__

PACKAGE = Path(__file__).resolve().parent


def package_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@cache
def grader_source_digest() -> str:
    """A digest of this package's Python source: two installs with the same version number
    but different code (an edited checkout) are told apart."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def grading_stack() -> dict[str, str]:
    """Everything that must match between machines that grade the same class."""
    return {
        "grader": f"{__version__} (source {grader_source_digest()})",
        "tensorflow": package_version("tensorflow") or "not installed",
        "tf-keras": package_version("tf-keras") or "not installed",
        "numpy": package_version("numpy") or "not installed",
        "python": ".".join(platform.python_version_tuple()[:2]),
    }
