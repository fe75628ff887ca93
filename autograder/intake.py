"""Finding submissions under a path, and who submitted them.

Accepted: a notebook; an otter export zip (one notebook inside); a folder of either,
searched recursively; and a zip of many, such as a Canvas "Download Submissions" zip or a
Gradescope "Export Submissions" zip. Each file is read once here, to hash it and to find
what is wrong with it. A submission keeps only where its bytes are: `reading.load` reads
them again when its worker needs them, so intake holds one file at a time and the class
costs the client a few hundred bytes per submission, whatever its size.
"""

import json
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path, PurePosixPath

from autograder.lms.registry import (
    batch_identities,
    batch_metadata_names,
    entry_identity,
    identity_beside,
)
from autograder.notebook import MAX_NOTEBOOK_BYTES, too_large
from autograder.reading import (
    Changed,
    Gone,
    IntakeError,
    Unreadable,
    load,
    members,
    notebook_from_zip,
    notebook_in_export,
    read_member,
    sha256_of,
    sha256_of_file,
    unsafe_name,
    zip_holds,
)
from autograder.submission import Location, Submission

__all__ = ["NOTEBOOK_METADATA", "IntakeError", "discover", "notebook_lab", "reread"]

SUBMISSION_SUFFIXES = (".ipynb", ".zip")
NOTEBOOK_METADATA = "tf_autograder"  # the notebook metadata key `assign` writes the lab under


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
    if file.suffix.lower() != ".zip":
        size = file.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:  # refused here: it would travel whole to a worker
            found = Submission(file, relative.stem, None, sha256_of_file(file),
                               problem=too_large(size), **identity_beside(file))  # fmt: skip
        else:
            found = Submission(file, relative.stem, None, sha256_of(file.read_bytes()),
                               location=Location(file), **identity_beside(file))  # fmt: skip
        return [_identified(found, relative)]
    digest = sha256_of_file(file)
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        problem = "the zip file is damaged or not a zip"
        return [Submission(file, relative.stem, None, digest, problem=problem)]
    with archive:
        if _is_batch(archive):
            return _from_batch_zip(file, archive)
        try:
            notebook_from_zip(archive)  # read once here, for what may be wrong with it
        except IntakeError as error:
            return [Submission(file, relative.stem, None, digest, problem=str(error))]
    found = Submission(file, relative.stem, None, digest,
                       location=Location(file, export=True), **identity_beside(file))  # fmt: skip
    return [_identified(found, relative)]


def notebook_lab(submission: Submission) -> tuple[str | None, str | None]:
    """The lab `autograder assign` named in the notebook's metadata, and the assignment name
    otter-grader wrote there (older notebooks have only that)."""
    try:
        metadata = json.loads(load(submission).data or b"").get("metadata") or {}
        lab = (metadata.get(NOTEBOOK_METADATA) or {}).get("lab")
        otter = (metadata.get("otter") or {}).get("assignment_name")
    except (IntakeError, ValueError, AttributeError, TypeError):
        return None, None
    return (lab if isinstance(lab, str) and lab else None,
            otter if isinstance(otter, str) and otter else None)  # fmt: skip


def _is_batch(archive: zipfile.ZipFile) -> bool:
    """Many submissions (an LMS download), rather than one student's otter export."""
    entries = members(archive)
    metadata = batch_metadata_names()
    if any(PurePosixPath(i.filename).name in metadata for i in entries):
        return True
    if any(_not_a_notebook(PurePosixPath(i.filename)) for i in entries):
        return True
    # A download with one student's entry is still a download: its name says who
    if any(entry_identity(PurePosixPath(i.filename)) for i in entries):
        return True
    submissions = [i for i in entries if i.filename.lower().endswith(SUBMISSION_SUFFIXES)]
    return len(submissions) > 1 or any(i.filename.lower().endswith(".zip") for i in submissions)


def _not_a_notebook(member: PurePosixPath) -> str | None:
    """Why an LMS download's entry, a student's text or link say, can't be graded."""
    identity = entry_identity(member)
    return identity.problem if identity else None


def _from_batch_zip(file: Path, archive: zipfile.ZipFile) -> list[Submission]:
    entries = members(archive)
    identities = _batch_metadata(archive, entries)
    found = []
    for info in entries:
        member = PurePosixPath(info.filename)
        problem = _not_a_notebook(member)
        if member.suffix.lower() not in SUBMISSION_SUFFIXES and not problem:
            continue
        source = file / member.name if unsafe_name(info.filename) else file / info.filename
        try:
            raw = read_member(archive, info)
        except IntakeError as error:
            digest = sha256_of(str(source).encode())  # stands in for content we refused to read
            found.append(Submission(source, member.stem, None, digest, problem=str(error)))
            continue
        if problem:  # a student's text or link: graded 0, with what to submit instead
            submission = Submission(source, member.stem, None, sha256_of(raw))
            found.append(_identified(submission, member))
            continue
        export = member.suffix.lower() == ".zip"  # a student's otter export in the download
        submission = Submission(source, member.stem, None, sha256_of(raw),
                                problem=_export_problem(raw) if export else None,
                                location=Location(file, info.filename, export))  # fmt: skip
        folder = member.parts[-2] if len(member.parts) > 1 else ""
        if folder in identities:  # an export's folder per submission, named in its metadata
            submission = replace(submission, name=folder, **identities[folder])
        found.append(_identified(submission, member))
    return found


def _export_problem(raw: bytes) -> str | None:
    """What is wrong with a student's otter export zip inside an LMS download, if anything."""
    try:
        notebook_in_export(raw)
    except IntakeError as error:
        return str(error)
    return None


def _batch_metadata(archive: zipfile.ZipFile, members) -> dict[str, dict]:
    """folder -> identity and time, from a platform's export metadata in the zip."""
    names = batch_metadata_names()
    entries = [i for i in members if PurePosixPath(i.filename).name in names]
    try:
        name = PurePosixPath(entries[0].filename).name
        return batch_identities(name, read_member(archive, entries[0]))
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
        counts = Counter(names)
        names = [
            "__".join(s.source.with_suffix("").parts[-depth:]) if counts[name] > 1 else name
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
    """The submission a gradebook row was graded from, read again (its bytes included).

    An entry of a class download is read straight from the zip, not found again among all
    of its entries: a page that shows one student's code costs the same in a class of
    10,000."""
    source = Path(row["source_path"])
    container = next((path for path in (source, *source.parents) if path.is_file()), None)
    if container is None:
        raise IntakeError(f"{row['name']}: {source} is no longer there")
    found = _entry(source, container, row["sha256"]) or _found_again(row, source, container)
    try:
        found = load(found)
    except Changed as error:
        raise _changed_since_graded(row, error.digest) from None
    except Gone:
        raise IntakeError(f"{row['name']}: {container} no longer holds {source}") from None
    except Unreadable as error:
        raise IntakeError(f"{row['name']}: {container} can't be read ({error})") from None
    except IntakeError as error:  # the file is as graded: what is wrong with it, again
        found = replace(found, problem=str(error))
    return replace(
        found,
        name=row["name"],
        student=row["student"],
        submitted_at=row["submitted_at"],
        late=bool(row["late"]),
        superseded_by=row["superseded_by"],
    )


def _entry(source: Path, container: Path, sha256: str) -> Submission | None:
    """A class download's notebook or export entry, where intake found it; None for what
    intake read otherwise (a file of its own, a student's text or link, an unsafe name)."""
    if source == container:
        return None
    member = PurePosixPath(source.relative_to(container).as_posix())
    if member.suffix.lower() not in SUBMISSION_SUFFIXES or _not_a_notebook(member):
        return None
    if not zip_holds(container, str(member)):  # gone, or an unsafe name intake shortened
        return None
    location = Location(container, str(member), member.suffix.lower() == ".zip")
    return Submission(source, member.stem, None, sha256, location=location)


def _found_again(row: dict, source: Path, container: Path) -> Submission:
    """The submission as intake finds it again in its file."""
    try:
        found = [s for s in discover(container) if str(s.source) == row["source_path"]]
    except (IntakeError, OSError) as error:
        raise IntakeError(f"{row['name']}: {container} can't be read ({error})") from None
    if not found:
        raise IntakeError(f"{row['name']}: {container} no longer holds {source}")
    if found[0].sha256 != row["sha256"]:
        raise _changed_since_graded(row, found[0].sha256)
    return found[0]


def _changed_since_graded(row: dict, digest: str) -> IntakeError:
    return IntakeError(
        f"{row['name']}: {row['source_path']} has changed since it was graded (SHA-256"
        f" {digest[:12]}…, graded {row['sha256'][:12]}…); grade it with `autograder grade`"
        " as a new submission"
    )
