"""Reading a submitted file's bytes: a notebook, a zip's entry, the notebook in an otter
export; with size caps and safe entry names.

Intake hashes each file and keeps only where it is (`Submission.location`); the bytes are
read again here when a worker needs them, and must hash as they did at intake. So a class
of any size costs the grading client a few hundred bytes per submission, not its notebooks.
Nothing is extracted to disk: hostile entry names can't write anywhere.
"""

import functools
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from autograder.notebook import MAX_NOTEBOOK_BYTES
from autograder.submission import Location, Submission

MAX_ZIP_ENTRIES = 10_000


class IntakeError(Exception):
    """A path given to the grader, or a file in it, can't be read; the message says why."""


class Gone(IntakeError):
    """The file, or its entry in a zip, is no longer where intake found it."""


class Unreadable(IntakeError):
    """The file is there but can't be read (permissions, a damaged zip)."""


class Changed(IntakeError):
    """The file no longer hashes as it did when it was found."""

    def __init__(self, message: str, digest: str):
        super().__init__(message)
        self.digest = digest  # what it hashes as now


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: Path) -> str:
    """Read in blocks: a file over the size cap is hashed without being held."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The entries that could be submissions: no folders, macOS or Jupyter leftovers."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise IntakeError(f"the zip has over {MAX_ZIP_ENTRIES} entries")
    return [
        info
        for info in infos
        if not info.is_dir()
        and "__MACOSX" not in info.filename
        and ".ipynb_checkpoints" not in info.filename
        and not PurePosixPath(info.filename).name.startswith(".")
    ]


def unsafe_name(name: str) -> bool:
    """Absolute, drive-letter or '..' paths: a crafted archive, never an LMS's or otter's."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name) is not None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if unsafe_name(info.filename):
        raise IntakeError(
            f"the zip entry {info.filename!r} has an unsafe path (absolute or with '..');"
            " it was not read"
        )
    if info.file_size > MAX_NOTEBOOK_BYTES:
        raise IntakeError(f"{info.filename} is over {MAX_NOTEBOOK_BYTES // 10**6} MB unpacked")
    with archive.open(info) as stream:
        data = stream.read(MAX_NOTEBOOK_BYTES + 1)  # the header's size may lie
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise IntakeError(f"{info.filename} is over {MAX_NOTEBOOK_BYTES // 10**6} MB unpacked")
    return data


def notebook_from_zip(archive: zipfile.ZipFile) -> bytes:
    """The one notebook inside an otter export zip."""
    notebooks = [i for i in members(archive) if i.filename.endswith(".ipynb")]
    if not notebooks:
        raise IntakeError("the zip holds no notebook (.ipynb)")
    if len(notebooks) > 1:
        names = ", ".join(info.filename for info in notebooks)
        raise IntakeError(f"the zip holds more than one notebook ({names}); submit one")
    return read_member(archive, notebooks[0])


def notebook_in_export(raw: bytes) -> bytes:
    try:
        return notebook_from_zip(zipfile.ZipFile(io.BytesIO(raw)))
    except zipfile.BadZipFile:
        raise IntakeError("the zip file is damaged or not a zip") from None


def load(submission: Submission) -> Submission:
    """The submission with its notebook's bytes, read from where intake found it.

    Raises IntakeError when the file is gone, can't be read, or no longer hashes as it did
    at intake (changed while the class was being graded): grading it then would record one
    file's result under another's content.
    """
    if submission.data is not None or submission.location is None:
        return submission
    try:
        digest, notebook = _hash_and_open(submission.location)
    except (FileNotFoundError, KeyError):  # KeyError: the zip has no such entry now
        raise Gone(f"{submission.source} is no longer there") from None
    except (OSError, zipfile.BadZipFile) as error:
        raise Unreadable(f"{submission.source} can't be read again ({error})") from None
    if digest != submission.sha256:
        raise Changed(f"{submission.source} changed after it was found", digest)
    return replace(submission, data=notebook())


def _hash_and_open(location: Location) -> tuple[str, Callable[[], bytes]]:
    """The submitted file's hash (of a notebook, an export zip or a download's entry), and
    how to get the notebook's bytes from it (IntakeError if it holds none)."""
    if location.member is None and location.export:  # an otter export zip, hashed whole
        archive = _open_zip(location.file, *_identity(location.file))
        return sha256_of_file(location.file), lambda: notebook_from_zip(archive)
    if location.member is None:
        if location.file.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise IntakeError(f"{location.file} is over {MAX_NOTEBOOK_BYTES // 10**6} MB")
        raw = location.file.read_bytes()
    else:
        archive = _open_zip(location.file, *_identity(location.file))
        raw = read_member(archive, archive.getinfo(location.member))
    return sha256_of(raw), (lambda: notebook_in_export(raw)) if location.export else lambda: raw


def zip_holds(file: Path, member: str) -> bool:
    """Whether the zip has an entry of that name (its directory read once per process)."""
    try:
        return member in _open_zip(file, *_identity(file)).NameToInfo
    except (OSError, zipfile.BadZipFile):
        return False


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=4)
def _open_zip(path: Path, _mtime_ns: int, _size: int) -> zipfile.ZipFile:
    """A class download read entry by entry: its directory is parsed once per process, not
    once per submission (10,000 entries take milliseconds each time). Keyed by the file's
    time and size too, so a replaced download is opened anew."""
    return zipfile.ZipFile(path)
