"""Matching the gradebook's submissions to a roster: the class's Standing.

A submission is matched to a roster student by, in order: an explicit mapping file; the
identity intake found (a platform's user id from the download's entry names, a
submitter from the platform's metadata); or its file or folder name being a student's
username, email or id (a folder per student, as otter and nbgrader collect them); then a
platform's own rule for what is left (a full name in the entry's folder). Nothing is
dropped: students without a submission are entries marked missing, and submissions
nobody claims are listed as unmatched.
"""

import csv
import json
import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePath

from autograder.gradebook import Gradebook
from autograder.late import LatePolicy, PolicyError, assess, parse_policy, parse_time
from autograder.lms.registry import OWN_ID_ONLY, match_by_name, platform_submission_time
from autograder.overrides import adjust
from autograder.results import SubmissionResult
from autograder.roster import load_roster
from autograder.standing import Entry, Standing
from autograder.student import RosterError, Student


@dataclass(frozen=True)
class ClassList:
    """What an instructor gives to match a class: the roster, the mapping of files that
    name nobody, the late policy, and whether file times stand in for submission times."""

    students: list[Student]
    mapping: dict[str, str] | None = None
    policy: LatePolicy | None = None
    file_times: bool = False


def read_class(
    roster: Path,
    mapping: Path | None = None,
    *,
    due: str | None = None,
    timezone: str | None = None,
    grace: str = "0",
    penalty: str = "none",
    penalty_cap: str | None = None,
    file_times: bool = False,
) -> ClassList:
    """The roster, the mapping and the late policy; RosterError or PolicyError saying
    what is wrong with them."""
    policy = parse_policy(due, timezone, grace, penalty, penalty_cap) if due else None
    if not due and penalty != "none":
        raise PolicyError("--penalty needs --due")
    students = load_roster(roster)
    return ClassList(students, load_mapping(mapping) if mapping else None, policy, file_times)


def class_of_submissions(
    rows: list[dict], *, due: str | None = None, timezone: str | None = None,
    grace: str = "0", penalty: str = "none", penalty_cap: str | None = None,
    file_times: bool = False,
) -> ClassList:  # fmt: skip
    """The class without a roster: one student per graded submission (a folder of notebooks
    from JupyterHub, e-mail or a shared drive), named by the identity intake found, else by
    its file's name. Files of one identity are one student, as with a roster."""
    policy = parse_policy(due, timezone, grace, penalty, penalty_cap) if due else None
    if not due and penalty != "none":
        raise PolicyError("--penalty needs --due")
    students: dict[str, Student] = {}
    mapping: dict[str, str] = {}
    for row in rows:
        label = row.get("student") or PurePath(row["source_path"]).stem or row["name"]
        students.setdefault(label, Student(label, id_number=label))
        mapping[row["source_path"]] = label
    return ClassList(list(students.values()), mapping, policy, file_times)


def class_standing(
    gradebook: Gradebook,
    lab: str | None,
    class_list: ClassList,
    parts: dict[str, float],
    missing: str = "zero",
) -> Standing:
    """The class as one lab's grade file and feedback pages give it: the lab's counted
    rows (every lab's when `lab` is None) matched to the roster, judged late alike."""
    return build_standing(
        gradebook.current_submissions(lab),
        class_list.students,
        parts,
        mapping=class_list.mapping,
        policy=class_list.policy,
        missing=missing,
        file_times=class_list.file_times,
    )


def load_mapping(path: Path) -> dict[str, str]:
    """submission (its result name, file path or sha256) -> a roster identifier."""
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"can't read the mapping file {path}: {error}") from None
    if not rows or not {"submission", "student"} <= {key.strip().lower() for key in rows[0]}:
        raise RosterError(f"the mapping file {path} needs the columns submission and student")
    mapping = {}
    for row in rows:
        fields = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        if fields["submission"]:
            mapping[_submission_key(fields["submission"])] = fields["student"]
    return mapping


def _submission_key(text: str) -> str:
    """A SHA-256 as the gradebook holds it: sha256sum prints lower case, Get-FileHash upper."""
    return text.lower() if re.fullmatch(r"[0-9a-fA-F]{64}", text) else text


def build_standing(
    rows: list[dict],
    roster: list[Student],
    parts: dict[str, float],
    *,
    mapping: dict[str, str] | None = None,
    policy: LatePolicy | None = None,
    missing: str = "zero",
    file_times: bool = False,
) -> Standing:
    index: dict[str, Student] = {}
    for student in roster:
        for identifier in student.identifiers():
            index.setdefault(identifier, student)
    claimed: dict[str, list[dict]] = {}
    unmatched = []
    current = [row for row in rows if not row.get("superseded_by")]  # intake chose the newest
    kinds = {identifier.partition(":")[0] for identifier in index}  # the roster's id kinds
    matched = {row["id"]: _match(row, index, kinds, mapping or {}) for row in current}
    by_name, name_problems = match_by_name(
        [row for row in current if matched[row["id"]] is None], roster
    )
    for row in current:
        student = matched[row["id"]] or by_name.get(row["id"])
        if student is None:
            unmatched.append(row)
        else:
            claimed.setdefault(student.key, []).append(row)
    max_score = float(sum(parts.values()))
    entries, also = [], []
    for student in roster:
        mine = sorted(claimed.get(student.key, []), key=_newest_first)
        if not mine:
            final = 0.0 if missing == "zero" else None
            entries.append(Entry(student, None, None, None, final, "missing", "no submission"))
            continue
        also += [(student, row) for row in mine[1:]]
        entries.append(_entry(student, mine[0], max_score, policy, file_times))
    problems = _mapping_problems(rows, index, mapping or {})
    return Standing(entries, unmatched, also, max_score, parts, problems, name_problems)


def _mapping_problems(rows: list[dict], index: dict[str, Student], mapping: dict) -> list[str]:
    """Mapping rows that can't do what they say: the instructor's typo, not silence."""
    known = {key for row in rows for key in (row["name"], row["source_path"], row["sha256"])}
    problems = []
    for submission, student in mapping.items():
        if submission not in known:
            problems.append(f"mapping row {submission!r}: no graded submission has this name,"
                            " path or SHA-256")  # fmt: skip
        elif f"any:{student.strip().lower()}" not in index:
            problems.append(f"mapping row {submission!r}: {student!r} is not on the roster")
    return problems


def _match(
    row: dict, index: dict[str, Student], kinds: set[str], mapping: dict[str, str]
) -> Student | None:
    for key in (row["name"], row["source_path"], row["sha256"]):
        if key in mapping:
            return index.get(f"any:{mapping[key].strip().lower()}")
    identity = row.get("student") or ""
    platform, _, value = identity.partition(":")
    if value and f"{platform}:{value.strip().lower()}" in index:
        return index[f"{platform}:{value.strip().lower()}"]
    if platform in OWN_ID_ONLY or platform in kinds:
        # The roster holds this platform's own ids and none is this one: a stranger, even
        # if the value happens to be another student's id of another kind.
        return None
    if value and f"any:{value.lower()}" in index:
        return index[f"any:{value.lower()}"]
    source = PurePath(row["source_path"])
    for name in (row["name"], source.stem, source.parent.name):
        if name and f"any:{name.lower()}" in index:
            return index[f"any:{name.lower()}"]
    return None


def _newest_first(row: dict):
    return (-_timestamp(row.get("submitted_at")), -row["id"])


def _timestamp(text: str | None) -> float:
    moment = parse_time(text)
    return moment.timestamp() if moment else 0.0


def _entry(
    student: Student, row: dict, max_score: float, policy: LatePolicy | None, file_times: bool
) -> Entry:
    adjusted = adjust(
        SubmissionResult.from_json(json.loads(row["result_json"])), row.get("overrides") or []
    )
    raw, parts = adjusted.total, adjusted.parts
    if not row["gradable"]:
        reason = (row["output"] or "not gradable").splitlines()[0]
        return Entry(student, row, raw, None, raw, "not gradable", reason, parts, adjusted)
    lateness = None
    if policy is not None:
        when, source = _submission_time(student, row, policy, file_times)
        lateness = assess(policy, raw, max_score, when, bool(row["late"]), source)
    reason = lateness.describe(raw, max_score) if lateness else ""
    if lateness and lateness.days and adjusted.late_waiver:
        # Still shown as late (the report counts it), at no cost
        lateness = replace(lateness, penalty=0.0, final=raw)
        reason = lateness.describe(raw, max_score)
    final = lateness.final if lateness else raw
    return Entry(student, row, raw, lateness, final, "graded", reason, parts, adjusted)


def _submission_time(student: Student, row: dict, policy: LatePolicy, file_times: bool):
    zone = policy.due.tzinfo
    found = platform_submission_time(student, row, zone)
    if found is not None:
        return found
    if row.get("submitted_at"):
        return parse_time(row["submitted_at"], zone), "the platform's submission time"
    if file_times and os.path.exists(row["source_path"]):
        stamp = datetime.fromtimestamp(os.stat(row["source_path"]).st_mtime, UTC)
        return stamp, "the file's modification time"
    return None, "no submission time"
