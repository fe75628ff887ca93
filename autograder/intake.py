"""Finding submissions under a path: notebooks, otter export zips, or folders of them."""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.notebook import MAX_NOTEBOOK_BYTES

SUBMISSION_SUFFIXES = (".ipynb", ".zip")


class IntakeError(Exception):
    """The path given to the grader can't be read at all."""


@dataclass(frozen=True)
class Submission:
    source: Path  # the file as found
    name: str  # unique within a batch; names the result file
    data: bytes | None  # the notebook's bytes, or None when it could not be extracted
    sha256: str  # of the submitted file as found
    problem: str | None = None  # why it can't be graded, if it can't
    student: str | None = None  # an identity found in the file name or its metadata


def discover(path: Path) -> list[Submission]:
    if not path.exists():
        raise IntakeError(f"{path} does not exist")
    if path.is_file():
        files = [path]
    else:
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in SUBMISSION_SUFFIXES
            and not any(
                part.startswith(".") or part == "__MACOSX" for part in p.relative_to(path).parts
            )
        )
    names = _unique_names(files, path if path.is_dir() else path.parent)
    return [read_submission(file, name) for file, name in zip(files, names, strict=True)]


def _unique_names(files: list[Path], root: Path) -> list[str]:
    """The file stem, or the path below root when two files share a stem."""
    stems = [f.stem for f in files]
    return [
        stem if stems.count(stem) == 1 else "__".join(f.relative_to(root).with_suffix("").parts)
        for f, stem in zip(files, stems, strict=True)
    ]


def read_submission(file: Path, name: str) -> Submission:
    raw = file.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if file.suffix.lower() != ".zip":
        return Submission(file, name, raw, digest)
    try:
        return Submission(file, name, notebook_from_zip(raw), digest)
    except IntakeError as error:
        return Submission(file, name, None, digest, problem=str(error))


def notebook_from_zip(raw: bytes) -> bytes:
    """The notebook inside an otter export zip (or any zip holding one notebook)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise IntakeError("the zip file is damaged or not a zip") from None
    entries = [
        info
        for info in archive.infolist()
        if info.filename.endswith(".ipynb")
        and "__MACOSX" not in info.filename
        and ".ipynb_checkpoints" not in info.filename
    ]
    if not entries:
        raise IntakeError("the zip holds no notebook (.ipynb)")
    if len(entries) > 1:
        names = ", ".join(info.filename for info in entries)
        raise IntakeError(f"the zip holds more than one notebook ({names}); submit one")
    entry = entries[0]
    if entry.file_size > MAX_NOTEBOOK_BYTES:
        raise IntakeError(f"the notebook in the zip is over {MAX_NOTEBOOK_BYTES // 10**6} MB")
    with archive.open(entry) as stream:
        data = stream.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise IntakeError(f"the notebook in the zip is over {MAX_NOTEBOOK_BYTES // 10**6} MB")
    return data
