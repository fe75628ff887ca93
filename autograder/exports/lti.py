"""LTI Advantage Assignment and Grade Services: one score object per line, ready to POST
to a line item's /scores endpoint."""

import json
from datetime import UTC, datetime
from pathlib import Path

from autograder.exports import ExportError, ExportOptions
from autograder.standing import Standing

USER_FIELDS = ("canvas", "sis", "email", "username", "idnumber")


def user_id(student, field: str) -> str | None:
    return {
        "canvas": student.canvas_id,
        "sis": student.sis_user_id,
        "email": student.email,
        "username": student.username,
        "idnumber": student.id_number,
    }[field]


def write(standing: Standing, path: Path, options: ExportOptions) -> None:
    if options.lti_user not in USER_FIELDS:
        raise ExportError(f"--lti-user must be one of {', '.join(USER_FIELDS)}")
    timestamp = datetime.now(UTC).isoformat(timespec="seconds")
    lines = []
    for entry in standing.entries:
        identifier = user_id(entry.student, options.lti_user)
        if not identifier:
            raise ExportError(f"the roster has no {options.lti_user} for {entry.student.name}")
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
