"""Confines a forked child as the grader does, then reports what it could import and read.

Run by tests/test_defences.py with the Python of a venv where the package was installed by
pip (a regular copy in site-packages, not an editable install), so the grader's package lies
inside a tree the student's process may read. Standard library only: that venv holds
nothing but the package and a neighbour. Prints one JSON object.
"""

import hashlib
import importlib
import importlib.metadata
import json
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

import autograder
from autograder.sandbox import confine

PACKAGE = Path(autograder.__file__).parent
SITE_PACKAGES = PACKAGE.parent


def attempt(action) -> str:
    """What the action returned, or the name of the exception it raised."""
    try:
        return repr(action())
    except Exception as error:  # the child reports every failure, whatever its kind
        return type(error).__name__


def read(path: Path) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


def digest(path: Path) -> str:
    """What reading the file gave, as the sha256 of its bytes (binary data files too)."""
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def import_after_invalidating_caches(name: str) -> int:
    """A fresh import from site-packages: Python must list the folder again to find it."""
    importlib.invalidate_caches()
    sys.modules.pop(name, None)
    return importlib.import_module(name).VALUE


def package_files() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*") if path.is_file())


def what_the_child_can_do() -> dict:
    private = Path(tempfile.mkdtemp(prefix="confined-reads-", dir=confine.reachable_temp_dir()))
    report = confine.confine(confine.Policy(private_dir=private))
    checks = PACKAGE / "labs" / "tf_intro" / "checks"
    return {
        "sandbox": report,
        "import_neighbour": attempt(lambda: importlib.import_module("neighbour").VALUE),
        "import_neighbour_again": attempt(lambda: import_after_invalidating_caches("neighbour")),
        "read_neighbour": attempt(lambda: read(SITE_PACKAGES / "neighbour" / "__init__.py")),
        "installed_version": attempt(lambda: importlib.metadata.version("tf-autograder")),
        "read_stdlib": attempt(lambda: len(read(Path(json.__file__)))),
        "checks": {path.name: attempt(partial(digest, path)) for path in checks.glob("*.py")},
        "package": {str(path): attempt(partial(digest, path)) for path in package_files()},
    }


def run_confined_child() -> dict:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked child
        os.close(reader)
        try:
            found = what_the_child_can_do()
        except Exception as error:  # the parent must hear why, not wait on a silent pipe
            found = {"error": repr(error)}
        os.write(writer, json.dumps(found).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


if __name__ == "__main__":
    print(
        json.dumps(
            {
                "package": str(PACKAGE),
                "readable_trees": confine._python_trees(),
                "child": run_confined_child(),
            }
        )
    )
