"""The embedded gradebook: every grading run and every check's result, in one SQLite file.

Each submission's result is committed in its own transaction, so a grader killed at any
moment leaves only complete submissions behind, and a rerun picks up where it stopped.

It is also the one answer to "which lab, which rows": `choose_lab` picks the lab a
command works on, and `current_submissions(lab)` gives that lab's counted rows, for
exports, feedback, the class report and the review page alike. No SQL is written
outside this module.
"""

import json
import platform
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath

from autograder import __version__
from autograder.lab import Lab, LabError, get_lab, only_lab
from autograder.overrides import (
    LATE,
    Override,
    OverrideError,
    adjust,
    autograder_score,
    check_score,
    resolve_target,
    target_of,
)
from autograder.results import SubmissionResult, TestResult
from autograder.submission import Submission
from autograder.versions import package_version, python_source_digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    command TEXT NOT NULL,
    lab TEXT NOT NULL,
    lab_version TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    tensorflow TEXT,
    tf_keras TEXT,
    numpy TEXT,
    python TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,
    student TEXT,
    submitted_at TEXT,
    late INTEGER NOT NULL DEFAULT 0,
    superseded_by TEXT,
    source_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    lab_version TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    gradable INTEGER NOT NULL,
    output TEXT NOT NULL,
    result_json TEXT NOT NULL,
    UNIQUE (run_id, source_path)
);
CREATE TABLE IF NOT EXISTS exports (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    format TEXT NOT NULL,
    assignment TEXT NOT NULL,
    late_policy TEXT,
    path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exported_grades (
    export_id INTEGER NOT NULL REFERENCES exports(id),
    student TEXT NOT NULL,
    name TEXT NOT NULL,
    submission_id INTEGER REFERENCES submissions(id),
    raw REAL,
    penalty REAL NOT NULL,
    final REAL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (export_id, student)
);
CREATE INDEX IF NOT EXISTS submissions_by_content
    ON submissions (sha256, lab_version, grader_version);
CREATE TABLE IF NOT EXISTS checks (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    part TEXT,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    output TEXT NOT NULL,
    seconds REAL,
    PRIMARY KEY (submission_id, position)
);
-- A log: setting and removing an override are both rows; no row is changed or deleted.
CREATE TABLE IF NOT EXISTS overrides (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,  -- the student: intake's identity (kind:id), else the file's path
    lab TEXT NOT NULL,  -- the lab graded (runs.lab): one student's overrides are per lab
    target TEXT NOT NULL,  -- check:<name> | part:<name> | total | late
    action TEXT NOT NULL CHECK (action IN ('set', 'remove')),
    new_score REAL,
    old_score REAL,
    autograder_score REAL,
    reason TEXT NOT NULL,
    private INTEGER NOT NULL DEFAULT 0,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    submission_id INTEGER REFERENCES submissions(id),
    sha256 TEXT
);
CREATE INDEX IF NOT EXISTS overrides_by_subject ON overrides (subject, lab, target, id);
-- A student's score over time: every graded result, override and export, oldest first.
CREATE VIEW IF NOT EXISTS score_history AS
    SELECT COALESCE(s.student, s.source_path) AS subject, r.lab, s.graded_at AS at,
           'graded' AS event, 'total' AS target, s.score, s.max_score,
           s.name || ' (run ' || s.run_id || ', lab version ' || s.lab_version || ')' AS detail,
           NULL AS author
    FROM submissions s JOIN runs r ON r.id = s.run_id WHERE s.superseded_by IS NULL
    UNION ALL
    SELECT subject, lab, created_at, 'override ' || action, target, new_score, NULL,
           reason || CASE private WHEN 1 THEN ' (private)' ELSE '' END, author
    FROM overrides
    UNION ALL
    SELECT COALESCE(s.student, s.source_path), r.lab, e.created_at, 'exported', 'final',
           g.final, NULL, e.format || ' export of ' || e.assignment || ' to ' || e.path, NULL
    FROM exported_grades g JOIN exports e ON e.id = g.export_id
    JOIN submissions s ON s.id = g.submission_id JOIN runs r ON r.id = s.run_id;
"""


# A submissions row without its result's JSON and output (Gradebook.current_submissions)
LISTED_COLUMNS = ", ".join(
    f"s.{column}"
    for column in ("id", "run_id", "name", "student", "submitted_at", "late", "superseded_by",
                   "source_path", "sha256", "lab_version", "grader_version", "started_at",
                   "graded_at", "score", "max_score", "gradable")
)  # fmt: skip
GRADER_FAILURE = "coalesce(json_extract(s.result_json, '$.extra_data.grader_failure'), 0)"


def subject_of(row: dict) -> str:
    """Whose score a gradebook row is: intake's identity for the student, else the file."""
    return row["student"] or row["source_path"]


STATUSES = ("graded", "not gradable", "grader failure", "superseded")


def status_of(row: dict, result: SubmissionResult) -> str:
    """What a gradebook row's result is: one of STATUSES."""
    if row["superseded_by"]:
        return "superseded"
    if result.extra_data.get("grader_failure"):
        return "grader failure"
    return "graded" if row["gradable"] else "not gradable"


def _names_of(row: dict) -> set[str]:
    """Everything an instructor may call a row's student by, lower case."""
    source = PurePath(row["source_path"])
    identity = row["student"] or ""
    names = {row["name"], row["source_path"], source.name, source.stem, identity,
             identity.partition(":")[2], row["sha256"]}  # fmt: skip
    if source.parent.name:
        names.add(source.parent.name)  # a folder per student
    return {name.lower() for name in names if name}


def _score_of(adjusted, target: str) -> float | None:
    kind, _, name = target.partition(":")
    if kind == "check":
        return next((t.score for t in adjusted.result.tests if t.name == name), None)
    return adjusted.parts.get(name) if kind == "part" else adjusted.total


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def lab_version(lab: Lab) -> str:
    """A digest of the lab's code: changing a check, probe or tolerance means regrading."""
    return python_source_digest(lab.checks_dir.parent)[:16]


@dataclass(frozen=True)
class Change:
    """One student's final score, changed between two exports of an assignment."""

    student: str
    name: str
    before: float | None
    after: float | None

    def line(self) -> str:
        """As the instructor reads it."""
        before = "blank" if self.before is None else f"{self.before:g}"
        after = "blank" if self.after is None else f"{self.after:g}"
        return f"Changed: {self.name} ({self.student}) {before} -> {after}"


def changes_between(
    before: dict[str, float | None], after: list[tuple[str, str, float | None]]
) -> list[Change]:
    """Whose final score differs from the export before (student -> final), for each
    (student, name, final) now: the rule every comparison of exports applies."""
    return [
        Change(student, name, before.get(student), final)
        for student, name, final in after
        if before and before.get(student) != final
    ]


@dataclass(frozen=True)
class ExportRecord:
    """An export as the gradebook recorded it, with the one before it of its assignment."""

    created_at: str
    format: str
    assignment: str
    grades: list[dict]  # student, name, final, status, reason: one per roster student
    previous: dict[str, float | None] | None  # student -> final; None: the first export


@dataclass
class Gradebook:
    connection: sqlite3.Connection

    @classmethod
    def open(cls, path: Path) -> "Gradebook":
        # Transactions are explicit. A second writer (the review page and the CLI at once)
        # waits for the first instead of failing.
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.executescript(SCHEMA)
        return cls(connection)

    def close(self) -> None:
        self.connection.close()

    def graded_labs(self) -> list[str]:
        """Each lab this gradebook has grading runs for (name or folder path), newest first."""
        rows = self.connection.execute(
            "SELECT lab FROM runs GROUP BY lab ORDER BY MAX(id) DESC"
        ).fetchall()
        return [row[0] for row in rows]

    def choose_lab(self, reference: str | None) -> Lab:
        """The lab a command on this gradebook works on: the one named, else the one lab
        graded here (else the one built-in lab). Several graded and none named: LabError."""
        if reference:
            return get_lab(reference)
        graded = self.graded_labs()
        if len(graded) > 1:
            raise LabError(
                f"the gradebook holds several labs ({', '.join(graded)}): choose one with --lab"
            )
        return get_lab(graded[0] if graded else only_lab())

    def start_run(self, lab: Lab, version: str, command: str) -> int:
        cursor = self.connection.execute(
            "INSERT INTO runs (started_at, command, lab, lab_version, grader_version,"
            " tensorflow, tf_keras, numpy, python) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                now(),
                command,
                lab.reference,  # a name, or a lab folder's path: what get_lab reads back
                version,
                __version__,
                package_version("tensorflow"),
                package_version("tf-keras"),
                package_version("numpy"),
                platform.python_version(),
            ),
        )
        return cursor.lastrowid

    def finish_run(self, run_id: int) -> None:
        self.connection.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (now(), run_id))

    def previous_result(self, sha256: str, version: str) -> SubmissionResult | None:
        """The newest result for this content under this grader and lab version, if any."""
        row = self.connection.execute(
            "SELECT result_json FROM submissions WHERE sha256 = ? AND lab_version = ?"
            " AND grader_version = ? ORDER BY id DESC LIMIT 1",
            (sha256, version, __version__),
        ).fetchone()
        if row is None:
            return None
        result = SubmissionResult.from_json(json.loads(row[0]))
        return None if result.extra_data.get("grader_failure") else result

    def holds(self, submission: Submission, version: str) -> bool:
        """Whether this file, with these bytes, has a row of its own under this grader and
        lab version that is not the grader's failure."""
        row = self.connection.execute(
            "SELECT 1 FROM submissions s WHERE s.sha256 = ? AND s.lab_version = ?"
            f" AND s.grader_version = ? AND s.source_path = ? AND NOT {GRADER_FAILURE} LIMIT 1",
            (submission.sha256, version, __version__, str(submission.source)),
        ).fetchone()
        return row is not None

    def record(
        self,
        run_id: int,
        version: str,
        submission: Submission,
        result: SubmissionResult,
        started_at: str,
    ) -> None:
        """One submission and all its checks, atomically."""
        with self._transaction():
            cursor = self.connection.execute(
                "INSERT INTO submissions (run_id, name, student, submitted_at, late,"
                " superseded_by, source_path, sha256, lab_version, grader_version, started_at,"
                " graded_at, score, max_score, gradable, output, result_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    submission.name,
                    submission.student,
                    submission.submitted_at,
                    int(submission.late),
                    submission.superseded_by,
                    str(submission.source),
                    submission.sha256,
                    version,
                    __version__,
                    started_at,
                    now(),
                    result.score,
                    result.max_score,
                    int(not result.extra_data.get("ungraded")),
                    result.output,
                    json.dumps(result.to_json(), ensure_ascii=False),
                ),
            )
            self.connection.executemany(
                "INSERT INTO checks (submission_id, position, name, part, score, max_score,"
                " status, output, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        cursor.lastrowid,
                        position,
                        test.name,
                        test.tags[0] if test.tags else None,
                        test.score,
                        test.max_score,
                        test.status,
                        test.output,
                        test.extra_data.get("seconds"),
                    )
                    for position, test in enumerate(result.tests)
                ],
            )

    def _transaction(self):
        connection = self.connection

        class Transaction:
            def __enter__(self):
                connection.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, error, traceback):
                connection.execute("COMMIT" if kind is None else "ROLLBACK")

        return Transaction()

    def latest(self) -> dict[str, dict]:
        """The newest result per submitted file, with its checks: what exports read."""
        rows = self.connection.execute(
            "SELECT s.id, s.source_path, s.sha256, s.score, s.gradable FROM submissions s"
            " WHERE s.id IN (SELECT max(id) FROM submissions GROUP BY source_path, sha256)"
        ).fetchall()
        latest = {}
        for submission_id, source, sha256, score, gradable in rows:
            checks = self.connection.execute(
                "SELECT name, part, score, max_score, status, output FROM checks"
                " WHERE submission_id = ? ORDER BY position",
                (submission_id,),
            ).fetchall()
            latest[source] = {
                "sha256": sha256,
                "score": score,
                "gradable": bool(gradable),
                "checks": checks,
            }
        return latest

    def current_submissions(self, lab: str | None = None, *, results: bool = True) -> list[dict]:
        """The newest result of every submitted file, as plain rows: what exports read;
        of one lab (its reference, as runs.lab holds it) if given. Each row also has its
        student's `subject` and the `overrides` in force for them (none on a superseded
        file: it never counts). Without `results`, a row has no `result_json` and no
        `output`, but its result's `grader_failure` flag: a page that lists a whole class
        reads its checks from current_checks, since parsing every row's JSON (its cells
        and their notes) is most of the time such a page takes."""
        columns = "s.*" if results else f"{LISTED_COLUMNS}, {GRADER_FAILURE} AS grader_failure"
        rows = self._rows(
            f"SELECT {columns}, r.lab FROM submissions s JOIN runs r ON r.id = s.run_id"
            " WHERE s.id IN (SELECT max(id) FROM submissions GROUP BY source_path)"
            " AND (? IS NULL OR r.lab = ?) ORDER BY s.name",
            (lab, lab),
        )
        in_force = self.overrides_in_force()
        for row in rows:
            row["subject"] = subject_of(row)
            key = (row["subject"], row["lab"])
            row["overrides"] = [] if row["superseded_by"] else in_force.get(key, [])
        return rows

    def current_checks(self, lab: str | None = None) -> dict[int, list[TestResult]]:
        """submission id -> its checks in order, for each row of current_submissions(lab):
        name, score, points, status, message, and its part as its one tag (the columns of
        the checks table; the result JSON's other fields are not read)."""
        cursor = self.connection.execute(
            "SELECT c.submission_id, c.name, c.part, c.score, c.max_score, c.status, c.output"
            " FROM checks c JOIN submissions s ON s.id = c.submission_id"
            " JOIN runs r ON r.id = s.run_id"
            " WHERE s.id IN (SELECT max(id) FROM submissions GROUP BY source_path)"
            " AND (? IS NULL OR r.lab = ?) ORDER BY c.submission_id, c.position",
            (lab, lab),
        )
        checks: dict[int, list[TestResult]] = {}
        for submission_id, name, part, score, points, status, output in cursor:
            test = TestResult(name, score, points, status, output, tags=[part] if part else [])
            checks.setdefault(submission_id, []).append(test)
        return checks

    def _rows(self, query: str, parameters: tuple = ()) -> list[dict]:
        cursor = self.connection.cursor()
        cursor.row_factory = sqlite3.Row
        return [dict(row) for row in cursor.execute(query, parameters).fetchall()]

    # ---- overrides ------------------------------------------------------------------------

    def overrides_in_force(self) -> dict[tuple[str, str], list[Override]]:
        """(subject, lab) -> the overrides in force: the newest row per target, unless it is
        a removal."""
        rows = self._rows(
            "SELECT * FROM overrides WHERE id IN (SELECT max(id) FROM overrides"
            " GROUP BY subject, lab, target) AND action = 'set' ORDER BY id"
        )
        in_force: dict[tuple[str, str], list[Override]] = {}
        for row in rows:
            override = Override.from_row(row)
            in_force.setdefault((override.subject, override.lab), []).append(override)
        return in_force

    def override_log(self, subject: str | None = None) -> list[Override]:
        """Every override and removal, oldest first: one student's, or everyone's."""
        where, parameters = ("WHERE subject = ?", (subject,)) if subject else ("", ())
        rows = self._rows(f"SELECT * FROM overrides {where} ORDER BY id", parameters)
        return [Override.from_row(row) for row in rows]

    def find_students(self, query: str, lab: str | None = None) -> list[dict]:
        """The current, counted rows of the one student `query` names: a result name, an
        identity (canvas:123, or just 123), a file path or name, or a SHA-256 (or 8+ of its
        first characters); of one lab if given. Several students named: OverrideError
        listing them."""
        wanted = query.strip().lower()
        rows = [row for row in self.current_submissions(lab) if not row["superseded_by"]]
        found = [row for row in rows if wanted in _names_of(row)]
        if not found and len(wanted) >= 8:
            found = [row for row in rows if row["sha256"].startswith(wanted)]
        subjects = sorted({row["subject"] for row in found})
        if not subjects:
            raise OverrideError(
                f"no graded submission is {query!r}: give a result name, a student's identity"
                " or id, a file path or a SHA-256, as `autograder history` lists them"
            )
        if len(subjects) > 1:
            raise OverrideError(f"{query!r} names {len(subjects)} students; give one of:\n  "
                                + "\n  ".join(subjects))  # fmt: skip
        return sorted(found, key=lambda row: row["id"], reverse=True)  # newest first

    def override(
        self,
        who: str,
        target: str,
        new_score: float | None,
        *,
        reason: str,
        author: str,
        private: bool = False,
        remove: bool = False,
        lab: str | None = None,
    ) -> Override:
        """An override for the student `who` names (see find_students) in the lab they were
        graded for, the target's name completed from their result: what `autograder
        override` and the review page do."""
        rows = self.find_students(who, lab)
        labs = sorted({row["lab"] for row in rows})
        if len(labs) > 1:
            raise OverrideError(f"{who!r} has results for {len(labs)} labs ({', '.join(labs)}):"
                                " choose one with --lab")  # fmt: skip
        if not reason.strip():
            raise OverrideError("a reason is required: say why, for the student and for the record")
        row = rows[0]  # the counted result: the newest
        result = SubmissionResult.from_json(json.loads(row["result_json"]))
        target = resolve_target(target, result, {part: 0.0 for part in result.part_scores()})
        # The score in force before is read in the same transaction as the write, so two
        # overrides made at once are both kept, each with the score it replaced.
        subject, lab = row["subject"], row["lab"]
        with self._transaction():
            in_force = self.overrides_in_force().get((subject, lab), [])
            current = next((o for o in in_force if o.target == target), None)
            if remove and current is None:
                raise OverrideError(f"{subject} has no override of {target} to remove")
            if not remove and target != "late":
                check_score(target, float(new_score), result)
            if target == "late":
                old, new_score = None, (None if remove else 0.0)
            else:
                old = _score_of(adjust(result, in_force), target)
            cursor = self.connection.execute(
                "INSERT INTO overrides (subject, lab, target, action, new_score, old_score,"
                " autograder_score, reason, private, author, created_at, submission_id, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    subject,
                    lab,
                    target,
                    "remove" if remove else "set",
                    None if remove else new_score,
                    old,
                    autograder_score(result, target),
                    reason.strip(),
                    int(private),
                    author,
                    now(),
                    row["id"],
                    row["sha256"],
                ),
            )
            saved = self._rows("SELECT * FROM overrides WHERE id = ?", (cursor.lastrowid,))
        return Override.from_row(saved[0])

    def history(self, subject: str, lab: str | None = None) -> list[dict]:
        """One student's score over time: graded results, overrides, exports; oldest first."""
        return self._rows(
            "SELECT at, lab, event, target, score, max_score, detail, author FROM score_history"
            " WHERE subject = ? AND (? IS NULL OR lab = ?) ORDER BY at",
            (subject, lab, lab),
        )

    def record_export(
        self, format: str, assignment: str, late_policy: str | None, path: str, grades: list
    ) -> int:
        """One export and the grade it gave each roster student (raw, penalty, final)."""
        with self._transaction():
            export_id = self.connection.execute(
                "INSERT INTO exports (created_at, format, assignment, late_policy, path)"
                " VALUES (?, ?, ?, ?, ?)",
                (now(), format, assignment, late_policy, path),
            ).lastrowid
            self.connection.executemany(
                "INSERT INTO exported_grades (export_id, student, name, submission_id, raw,"
                " penalty, final, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(export_id, *grade) for grade in grades],
            )
        return export_id

    def last_exported(self, assignment: str) -> dict[str, float | None]:
        """student -> final score, as the newest export of this assignment gave them."""
        rows = self.connection.execute(
            "SELECT student, final FROM exported_grades WHERE export_id ="
            " (SELECT max(id) FROM exports WHERE assignment = ?)",
            (assignment,),
        ).fetchall()
        return dict(rows)

    def latest_export(self, lab: str | None = None) -> ExportRecord | None:
        """The newest export (of a graded result of this lab, if given), and the finals of
        the export of the same assignment before it."""
        found = self.connection.execute(
            "SELECT id, created_at, format, assignment FROM exports e WHERE ? IS NULL OR EXISTS"
            " (SELECT 1 FROM exported_grades g JOIN submissions s ON s.id = g.submission_id"
            "  JOIN runs r ON r.id = s.run_id WHERE g.export_id = e.id AND r.lab = ?)"
            " ORDER BY id DESC LIMIT 1",
            (lab, lab),
        ).fetchone()
        if found is None:
            return None
        export_id, created_at, format, assignment = found
        grades = self._rows(
            "SELECT student, name, final, status, reason FROM exported_grades WHERE export_id = ?",
            (export_id,),
        )
        previous = self.connection.execute(
            "SELECT max(id) FROM exports WHERE assignment = ? AND id < ?", (assignment, export_id)
        ).fetchone()[0]
        before = None
        if previous is not None:
            before = dict(
                self.connection.execute(
                    "SELECT student, final FROM exported_grades WHERE export_id = ?", (previous,)
                ).fetchall()
            )
        return ExportRecord(created_at, format, assignment, grades, before)

    def newest_export_of(self, subject: str, lab: str) -> dict | None:
        """The newest export's grade for any graded result of this student's in this lab."""
        rows = self._rows(
            "SELECT e.id AS export_id, e.created_at, e.format, e.assignment, e.late_policy,"
            " g.submission_id, g.raw, g.penalty, g.final, g.status, g.reason"
            " FROM exported_grades g JOIN exports e ON e.id = g.export_id WHERE g.submission_id IN"
            " (SELECT s.id FROM submissions s JOIN runs r ON r.id = s.run_id"
            "  WHERE COALESCE(s.student, s.source_path) = ? AND r.lab = ?)"
            " ORDER BY e.id DESC LIMIT 1",
            (subject, lab),
        )
        return rows[0] if rows else None

    def count(self, table: str) -> int:
        return self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def override_in(
    gradebook_path: Path,
    who: str,
    *,
    check: str | None = None,
    part: str | None = None,
    total: bool = False,
    late: bool = False,
    score: float | None = None,
    remove: bool = False,
    reason: str,
    private: bool = False,
    author: str,
    lab: str | None = None,
) -> Override:
    """`autograder override`: one override (or removal) of the target the options name."""
    target = target_of(check, part, total, late)
    if remove == (score is not None) and target != LATE:
        raise OverrideError("give --score to set a score, or --remove to remove an override")
    gradebook = Gradebook.open(gradebook_path)
    try:
        return gradebook.override(who, target, score, reason=reason, author=author,
                                  private=private, remove=remove, lab=lab)  # fmt: skip
    finally:
        gradebook.close()


def student_history(gradebook_path: Path, who: str, lab: str | None) -> tuple[str, list[dict]]:
    """`autograder history`: whose history `who` names, and its events, oldest first."""
    gradebook = Gradebook.open(gradebook_path)
    try:
        subject = gradebook.find_students(who, lab)[0]["subject"]
        return subject, gradebook.history(subject, lab)
    finally:
        gradebook.close()
