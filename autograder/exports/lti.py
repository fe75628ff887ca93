"""LTI Advantage Assignment and Grade Services: one score object per line, ready to POST
to a line item's /scores endpoint."""

import json
from datetime import UTC, datetime
from pathlib import Path

from autograder.exports.options import ExportError, ExportOptions
from autograder.lms.registry import LTI_USER_DEFAULT, USER_ID_KINDS
from autograder.standing import Standing
from autograder.student import Student

ROSTER_FIELDS = ("sis", "email", "username", "idnumber")
USER_FIELDS = (*USER_ID_KINDS, *ROSTER_FIELDS)


def user_id(student: Student, field: str) -> str | None:
    roster_fields = {
        "sis": student.sis_user_id,
        "email": student.email,
        "username": student.username,
        "idnumber": student.id_number,
    }
    return roster_fields[field] if field in roster_fields else student.user_id(field)


def write(standing: Standing, path: Path, options: ExportOptions) -> None:
    field = options.lti_user or LTI_USER_DEFAULT
    if field not in USER_FIELDS:
        raise ExportError(f"--lti-user must be one of {', '.join(USER_FIELDS)}")
    timestamp = datetime.now(UTC).isoformat(timespec="seconds")
    lines = []
    for entry in standing.entries:
        identifier = user_id(entry.student, field)
        if not identifier:
            raise ExportError(f"the roster has no {field} for {entry.student.name}")
        if entry.final is None:
            continue  # a missing submission exported blank: no score to post
        score = {
            "userId": identifier,
            "scoreGiven": entry.final,
            "scoreMaximum": standing.max_score,
            "activityProgress": "Completed" if entry.submission else "Initialized",
            "gradingProgress": "FullyGraded",
            "timestamp": timestamp,
        }
        if comment := entry.explanation(for_student=True):
            score["comment"] = comment
        lines.append(json.dumps(score))
    path.write_text("\n".join(lines) + "\n")
