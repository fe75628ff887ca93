"""The embedded gradebook: every grading run and every check's result, in one SQLite file.

Each submission's result is committed in its own transaction, so a grader killed at any
moment leaves only complete submissions behind, and a rerun picks up where it stopped.
"""

import json
import platform
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autograder import __version__
from autograder.intake import Submission
from autograder.lab import Lab
from autograder.results import SubmissionResult
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
"""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def lab_version(lab: Lab) -> str:
    """A digest of the lab's code: changing a check, probe or tolerance means regrading."""
    return python_source_digest(lab.checks_dir.parent)[:16]


@dataclass
class Gradebook:
    connection: sqlite3.Connection

    @classmethod
    def open(cls, path: Path) -> "Gradebook":
        connection = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
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

    def current_submissions(self) -> list[dict]:
        """The newest result of every submitted file, as plain rows: what exports read."""
        cursor = self.connection.cursor()
        cursor.row_factory = sqlite3.Row
        rows = cursor.execute(
            "SELECT * FROM submissions WHERE id IN"
            " (SELECT max(id) FROM submissions GROUP BY source_path) ORDER BY name"
        ).fetchall()
        return [dict(row) for row in rows]

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

    def count(self, table: str) -> int:
        return self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
