"""Finding submissions under a path, and who submitted them.

Accepted: a notebook; an otter export zip (one notebook inside); a folder of either,
searched recursively; and a zip of many, such as a Canvas "Download Submissions" zip or a
Gradescope "Export Submissions" zip. Nothing is extracted to disk: entries are read into
memory with a size cap, so hostile entry names can't write anywhere.
"""

import hashlib
import io
import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path, PurePosixPath

from autograder.lms.registry import (
    batch_identities,
    batch_metadata_names,
    entry_identity,
    identity_beside,
)
from autograder.notebook import MAX_NOTEBOOK_BYTES, too_large
from autograder.submission import Submission

SUBMISSION_SUFFIXES = (".ipynb", ".zip")
NOTEBOOK_METADATA = "tf_autograder"  # the notebook metadata key `assign` writes the lab under
MAX_ZIP_ENTRIES = 10_000


class IntakeError(Exception):
    """The path given to the grader can't be read at all."""


def discover(path: Path) -> list[Submission]:
    if not path.exists():
        raise IntakeError(f"{path} does not exist")
    root = path if path.is_dir() else path.parent
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
    found = []
    for file in files:
        found += _from_file(file, file.relative_to(root))
    return _mark_superseded(_with_unique_names(found))


def _from_file(file: Path, relative: Path) -> list[Submission]:
    raw = file.read_bytes()
    if file.suffix.lower() != ".zip":
        # Refused here, not where it is graded: it would travel whole to a worker first
        too_big = len(raw) > MAX_NOTEBOOK_BYTES
        found = Submission(
            file,
            relative.stem,
            None if too_big else raw,
            _sha256(raw),
            problem=too_large(len(raw)) if too_big else None,
            **identity_beside(file),
        )
        return [_identified(found, relative)]
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        return [
            Submission(
                file,
                relative.stem,
                None,
                _sha256(raw),
                problem="the zip file is damaged or not a zip",
            )
        ]
    if _is_batch(archive):
        return _from_batch_zip(file, archive)
    try:
        data = notebook_from_zip(archive)
    except IntakeError as error:
        return [Submission(file, relative.stem, None, _sha256(raw), problem=str(error))]
    found = Submission(file, relative.stem, data, _sha256(raw), **identity_beside(file))
    return [_identified(found, relative)]


def notebook_lab(submission: Submission) -> tuple[str | None, str | None]:
    """The lab `autograder assign` named in the notebook's metadata, and the assignment name
    otter-grader wrote there (older notebooks have only that)."""
    try:
        metadata = json.loads(submission.data or b"").get("metadata") or {}
        lab = (metadata.get(NOTEBOOK_METADATA) or {}).get("lab")
        otter = (metadata.get("otter") or {}).get("assignment_name")
    except (ValueError, AttributeError, TypeError):
        return None, None
    return (lab if isinstance(lab, str) and lab else None,
            otter if isinstance(otter, str) and otter else None)  # fmt: skip


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
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


def _is_batch(archive: zipfile.ZipFile) -> bool:
    """Many submissions (an LMS download), rather than one student's otter export."""
    members = _members(archive)
    metadata = batch_metadata_names()
    if any(PurePosixPath(i.filename).name in metadata for i in members):
        return True
    if any(_not_a_notebook(PurePosixPath(i.filename)) for i in members):
        return True
    # A download with one student's entry is still a download: its name says who
    if any(entry_identity(PurePosixPath(i.filename)) for i in members):
        return True
    submissions = [i for i in members if i.filename.lower().endswith(SUBMISSION_SUFFIXES)]
    return len(submissions) > 1 or any(i.filename.lower().endswith(".zip") for i in submissions)


def _not_a_notebook(member: PurePosixPath) -> str | None:
    """Why an LMS download's entry, a student's text or link say, can't be graded."""
    identity = entry_identity(member)
    return identity.problem if identity else None


def _unsafe_name(name: str) -> bool:
    """Absolute, drive-letter or '..' paths: a crafted archive, never an LMS's or otter's."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name) is not None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if _unsafe_name(info.filename):
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
    notebooks = [i for i in _members(archive) if i.filename.endswith(".ipynb")]
    if not notebooks:
        raise IntakeError("the zip holds no notebook (.ipynb)")
    if len(notebooks) > 1:
        names = ", ".join(info.filename for info in notebooks)
        raise IntakeError(f"the zip holds more than one notebook ({names}); submit one")
    return _read_member(archive, notebooks[0])


def _from_batch_zip(file: Path, archive: zipfile.ZipFile) -> list[Submission]:
    members = _members(archive)
    identities = _batch_metadata(archive, members)
    found = []
    for info in members:
        member = PurePosixPath(info.filename)
        problem = _not_a_notebook(member)
        if member.suffix.lower() not in SUBMISSION_SUFFIXES and not problem:
            continue
        source = file / member.name if _unsafe_name(info.filename) else file / info.filename
        try:
            raw = _read_member(archive, info)
        except IntakeError as error:
            digest = _sha256(str(source).encode())  # stands in for content we refused to read
            found.append(Submission(source, member.stem, None, digest, problem=str(error)))
            continue
        if problem:  # a student's text or link: graded 0, with what to submit instead
            submission = Submission(source, member.stem, None, _sha256(raw))
            found.append(_identified(submission, member))
            continue
        submission = Submission(source, member.stem, raw, _sha256(raw))
        if member.suffix.lower() == ".zip":
            submission = _nested_export(submission, raw)
        folder = member.parts[-2] if len(member.parts) > 1 else ""
        if folder in identities:  # an export's folder per submission, named in its metadata
            submission = replace(submission, name=folder, **identities[folder])
        found.append(_identified(submission, member))
    return found


def _nested_export(submission: Submission, raw: bytes) -> Submission:
    """A student's otter export zip inside an LMS download."""
    try:
        data = notebook_from_zip(zipfile.ZipFile(io.BytesIO(raw)))
    except (zipfile.BadZipFile, IntakeError) as error:
        return replace(submission, data=None, problem=str(error) or "the zip file is damaged")
    return replace(submission, data=data)


def _batch_metadata(archive: zipfile.ZipFile, members) -> dict[str, dict]:
    """folder -> identity and time, from a platform's export metadata in the zip."""
    names = batch_metadata_names()
    entries = [i for i in members if PurePosixPath(i.filename).name in names]
    try:
        name = PurePosixPath(entries[0].filename).name
        return batch_identities(name, _read_member(archive, entries[0]))
    except (IndexError, IntakeError):
        return {}


def _identified(submission: Submission, path: PurePosixPath | Path) -> Submission:
    """Identity from an LMS download's entry name (`path`, folders included), if it has one."""
    if submission.student:
        return submission
    identity = entry_identity(PurePosixPath(path.as_posix()))
    if identity is None:
        return submission
    return replace(
        submission,
        student=identity.student,
        late=identity.late,
        order=identity.order,
        submitted_at=submission.submitted_at or identity.submitted_at,
        problem=submission.problem or identity.problem,
    )


def _with_unique_names(found: list[Submission]) -> list[Submission]:
    """The file stem, or more of its path when two submissions share a stem."""
    names = [s.name for s in found]
    for depth in (2, 3, 4):
        names = [
            "__".join(s.source.with_suffix("").parts[-depth:]) if names.count(name) > 1 else name
            for s, name in zip(found, names, strict=True)
        ]
    return [replace(s, name=name) for s, name in zip(found, names, strict=True)]


def _mark_superseded(found: list[Submission]) -> list[Submission]:
    """When one student submitted several files, the newest counts."""
    newest: dict[str, Submission] = {}
    for submission in found:
        if submission.student is None:
            continue
        current = newest.get(submission.student)
        if current is None or _recency(submission) > _recency(current):
            newest[submission.student] = submission
    return [
        replace(s, superseded_by=newest[s.student].name)
        if s.student and newest[s.student] is not s
        else s
        for s in found
    ]


def _recency(submission: Submission) -> tuple:
    return (submission.submitted_at or "", submission.order)


def reread(row: dict) -> Submission:
    """The submission a gradebook row was graded from, read again."""
    source = Path(row["source_path"])
    container = next((path for path in (source, *source.parents) if path.is_file()), None)
    if container is None:
        raise IntakeError(f"{row['name']}: {source} is no longer there")
    try:
        found = [s for s in discover(container) if str(s.source) == row["source_path"]]
    except (IntakeError, OSError) as error:
        raise IntakeError(f"{row['name']}: {container} can't be read ({error})") from None
    if not found:
        raise IntakeError(f"{row['name']}: {container} no longer holds {source}")
    if found[0].sha256 != row["sha256"]:
        raise IntakeError(
            f"{row['name']}: {source} has changed since it was graded (SHA-256"
            f" {found[0].sha256[:12]}…, graded {row['sha256'][:12]}…); grade it with"
            " `autograder grade` as a new submission"
        )
    return replace(
        found[0],
        name=row["name"],
        student=row["student"],
        submitted_at=row["submitted_at"],
        late=bool(row["late"]),
        superseded_by=row["superseded_by"],
    )
