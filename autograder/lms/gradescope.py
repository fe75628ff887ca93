"""Gradescope: who submitted what and when, from its metadata, and results.json back.

Gradescope keeps a submission_metadata.json next to a submission (on its autograder, and
where otter runs): users[0]'s sid or email says who, created_at says when. Its "Export
Submissions" zip has one submission_<id> folder per submission and a
submission_metadata.yml with each folder's :submitters and :created_at. Both give the
identity "gradescope:<sid or email>", which the roster matches by any of its ids.
"""

import json
from datetime import tzinfo
from pathlib import Path

import yaml

from autograder.exports.options import ExportOptions
from autograder.late import Lateness, parse_time
from autograder.lms.platform import Platform
from autograder.standing import Standing
from autograder.student import Student

KIND = "gradescope"  # identity "gradescope:<sid or email>"
EXPORT_METADATA = "submission_metadata.yml"
SUBMISSION_METADATA = "submission_metadata.json"


def identity_from_json(text: str) -> dict:
    """student and submitted_at from a submission_metadata.json; {} when it says nothing."""
    try:
        metadata = json.loads(text)
        users = metadata.get("users") or [{}]
        identity = users[0].get("sid") or users[0].get("email")
        created = metadata.get("created_at")
    except (ValueError, AttributeError, TypeError, IndexError):
        return {}
    found = {}
    if identity:
        found["student"] = f"{KIND}:{identity}"
    if created:
        found["submitted_at"] = str(created)
    return found


def due_date(text: str) -> str | None:
    """The student's due date from a submission_metadata.json: their own (an extension)
    where Gradescope lists one under users[0].assignment, else the assignment's."""
    try:
        metadata = json.loads(text)
        own = ((metadata.get("users") or [{}])[0] or {}).get("assignment") or {}
        return own.get("due_date") or (metadata.get("assignment") or {}).get("due_date")
    except (ValueError, AttributeError, TypeError, IndexError):
        return None


def identities_from_export(text: bytes | str) -> dict[str, dict]:
    """submission_<id> folder -> student and submitted_at, from an export's metadata."""
    try:
        metadata = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    found = {}
    for folder, details in metadata.items() if isinstance(metadata, dict) else ():
        if not isinstance(details, dict):
            continue
        submitters = details.get(":submitters") or [{}]
        first = submitters[0] if isinstance(submitters[0], dict) else {}
        identity = first.get(":sid") or first.get(":email") or first.get(":name")
        created = details.get(":created_at")
        found[str(folder)] = {
            "student": f"{KIND}:{identity}" if identity else None,
            "submitted_at": str(created) if created else None,
        }
    return found


# -- results back: one results.json per submission ------------------------------------------


def write_results(standing: Standing, folder: Path, options: ExportOptions) -> None:
    """The grader's own result with the late policy applied (score and a line of feedback)
    and the chosen visibility, one <submission>.json each."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in standing.entries:
        if entry.submission is None:
            continue
        # The checks as overridden, each override said where the student reads it
        result = entry.adjusted.student_result().to_json()
        result["visibility"] = options.visibility
        if entry.lateness and entry.lateness.days:
            with_late_penalty(result, entry.lateness, entry.reason)
        name = entry.submission["name"]
        (folder / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


def with_late_penalty(result: dict, lateness: Lateness, reason: str) -> dict:
    """A results.json whose score is the late policy's final score, saying why first."""
    raw = float(result["score"])
    result["score"] = lateness.final
    result["output"] = f"{reason}\n\n{result.get('output', '')}"
    result.setdefault("extra_data", {})["late"] = {
        "raw": raw,
        "penalty": lateness.penalty,
        "final": lateness.final,
        "days": lateness.days,
    }
    return result


def submission_time(student: Student, row: dict, zone: tzinfo | None):
    if row.get("submitted_at"):
        return parse_time(row["submitted_at"], zone), "Gradescope's submission time"
    return None


PLATFORM = Platform(
    name="gradescope",
    identity_kinds=(KIND,),
    metadata_beside=(SUBMISSION_METADATA, identity_from_json),
    batch_metadata=(EXPORT_METADATA, identities_from_export),
    submission_time=submission_time,
    grade_files={"gradescope": write_results},
)
