"""The lab travels with the batch: its folder as a zip, for workers without an identical copy.

A worker first looks the lab up by the client's reference (a built-in or installed lab's
name, or a path on a shared filesystem) and uses that copy when its version digest is the
client's. Otherwise it unpacks the shipped zip into a private folder of its own (0700, out of
a student's reach like the grader's package: the sandbox grants no read there).
"""

import io
import tempfile
import zipfile
from pathlib import Path

from autograder.gradebook import lab_version
from autograder.lab import Lab, LabError, get_lab, load_lab

_SKIPPED = {"__pycache__", ".ipynb_checkpoints"}


def pack_lab(lab: Lab) -> bytes:
    """The lab's folder as zip bytes: lab.toml, probes, checks, hints, data, solution."""
    if lab.folder is None:
        raise LabError(f"lab {lab.name} has no folder to send to the workers")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(lab.folder.rglob("*")):
            relative = path.relative_to(lab.folder)
            if path.is_file() and not _SKIPPED.intersection(relative.parts):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


class LabCopies:
    """One worker's labs, by version digest: each looked up or unpacked once."""

    def __init__(self) -> None:
        self._labs: dict[str, Lab] = {}
        self._folder: tempfile.TemporaryDirectory | None = None

    def get(self, reference: str, version: str, archive: bytes) -> Lab:
        if version not in self._labs:
            self._labs[version] = self._own_copy(reference, version) or self._unpack(
                version, archive
            )
        return self._labs[version]

    def _own_copy(self, reference: str, version: str) -> Lab | None:
        try:
            lab = get_lab(reference)
        except LabError:
            return None
        return lab if lab_version(lab) == version else None

    def _unpack(self, version: str, archive: bytes) -> Lab:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="autograder-labs-")
        folder = Path(self._folder.name) / version
        with zipfile.ZipFile(io.BytesIO(archive)) as packed:
            packed.extractall(folder)  # the client's own zip: names were made by pack_lab
        lab = load_lab(folder, str(folder))
        if lab_version(lab) != version:
            raise LabError(f"the lab sent to this worker is not version {version}")
        return lab

    def close(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
