"""Acceptance: each LMS's own files, graded and sent back, read as that LMS reads them.

For Canvas, Moodle and Blackboard the class is the same in kind: a student on time with
full marks, a late student with full marks (so the late penalty shows: 10% of 10 points
for one day), a student with a non-ASCII name whose notebook earns partial credit, a
student on the roster who submitted nothing, and a stranger in the download who is not
on the roster. Each download is built in the platform's own naming and graded once by
the CLI; grades and feedback are written by the CLI and read back here by the receiving
system's rules, written out below without the grader's own readers or writers.
"""

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import CORPUS, grade_folder, notebook_bytes, read_page, zip_of

REFERENCE = (CORPUS / "notebooks" / "valid_reference.ipynb").read_bytes()
LABELS = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))["cases"]


def corpus_case(name: str) -> tuple[bytes, dict[str, float]]:
    """A corpus notebook and the score per part a fair instructor gives it."""
    return (CORPUS / "notebooks" / f"{name}.ipynb").read_bytes(), LABELS[name]["expected"]


PARTIAL, PARTIAL_PARTS = corpus_case("mistake_hardcoded_coefficients")
PARTIAL_SCORE = sum(PARTIAL_PARTS.values())
TINY = notebook_bytes("x = 1")  # the stranger's: defines nothing, graded 0 in seconds
LATE_SCORE = 9  # full marks, one day late, 10% of 10 points per day
UNMATCHED = "Unmatched submission (no roster student): "


def cli(*args: str) -> str:
    """An autograder command as the instructor runs it; its printed output."""
    completed = subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return completed.stdout


def graded_download(folder: Path, zip_name: str, entries: dict[str, bytes]) -> Path:
    """The download written as the LMS gives it and graded once; its gradebook's path."""
    download = folder / zip_name
    download.write_bytes(zip_of(entries))
    results = grade_folder(download, folder / "out", "--workers", "2")
    notebooks = [name for name in entries if name.endswith(".ipynb")]
    assert len(results) == len(notebooks)  # one result per notebook, nothing else graded
    return folder / "out" / "gradebook.sqlite"


def unmatched_paths(output: str) -> list[str]:
    return [line[len(UNMATCHED) :] for line in output.splitlines() if line.startswith(UNMATCHED)]


def page_of(source: str) -> dict[str, str]:
    """The numbers and names a feedback page shows, by their data-stat."""
    return read_page(source).stats


def assert_page(
    stats: dict[str, str], final: float, parts: dict[str, float] | None = None, late: bool = False
):
    """The page shows this final score, each part's score, and the penalty if late."""
    assert stats["final"] == f"{final:g}", stats
    if late:
        assert (stats["raw"], stats.get("penalty")) == ("10", "1"), stats
    else:
        assert "penalty" not in stats, stats
    for part, score in (parts or {}).items():
        assert stats[f"part:{part}"] == f"{score:g}", (part, stats)


# -- Canvas ---------------------------------------------------------------------------------

CANVAS_COLUMN = "TF intro (77)"
# Grades → Export: Canvas's own columns, a "Points Possible" row, the test student last
CANVAS_GRADEBOOK = "\ufeff" + "\n".join(
    [
        f"Student,ID,SIS User ID,SIS Login ID,Section,{CANVAS_COLUMN},Current Score",
        "    Points Possible,,,,,10.00,(read only)",
        '"Lovelace, Ada",101,S101,ada,TF 101 A,,',
        '"Babbage, Charles",102,S102,cbabbage,TF 101 A,,',
        '"김, 철수",103,S103,cskim,TF 101 B,,',
        '"Müller, José",104,S104,jmuller,TF 101 B,,',
        '"Student, Test",105,,0b7c9e2a,TF 101 A,,',
    ]
)
# Download Submissions: "<sortable name>[_LATE]_<user id>_<attachment id>_<file>", the
# name stripped of everything but word characters (any script's letters stay)
CANVAS_DOWNLOAD = {
    "lovelaceada_101_9001_tf_intro.ipynb": REFERENCE,
    "babbagecharles_LATE_102_9002_tf_intro.ipynb": REFERENCE,
    "김철수_103_9003_tf_intro-1.ipynb": PARTIAL,
    "muldérfox_555_9005_tf_intro.ipynb": TINY,  # user 555 is not in this course
}  # Müller (104) submitted nothing
CANVAS_EXPECTED = {"101": 10, "102": LATE_SCORE, "103": PARTIAL_SCORE, "104": 0}
CANVAS_LATE = ["--due", "2026-12-01T23:59-05:00", "--penalty", "10%"]


def canvas_export(gradebook: Path, roster: Path, out: Path, *extra: str) -> str:
    return cli("export", "canvas", "--gradebook", str(gradebook), "--roster", str(roster),
               "--assignment", "TF intro", "--assignment-id", "77", *CANVAS_LATE,
               "--out", str(out), *extra)  # fmt: skip


def read_canvas_import(path: Path) -> dict[str, str]:
    """Grades → Import as Canvas reads it: rows by ID, the assignment column by its
    "(<assignment id>)", the "Points Possible" row skipped."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        (column,) = [title for title in reader.fieldnames if title.strip().endswith("(77)")]
        return {
            row["ID"].strip(): row[column].strip()
            for row in reader
            if row["Student"].strip() != "Points Possible"
        }


def canvas_reupload_ids(name: str) -> tuple[str, ...]:
    """Re-Upload Submissions: the user id and the attachment id are the first two
    all-digit "_"-separated tokens of the entry's name."""
    return tuple(token for token in name.split("_") if re.fullmatch(r"[0-9]+", token))[:2]


@pytest.fixture(scope="module")
def canvas_class(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("canvas")
    gradebook = graded_download(folder, "TF101-TF intro-submissions.zip", CANVAS_DOWNLOAD)
    roster = folder / "2026-12-02T0800_Grades-TF101.csv"
    roster.write_text(CANVAS_GRADEBOOK, encoding="utf-8")
    return gradebook, roster


def test_canvas_download_round_trips_to_the_gradebook_import_and_re_upload(canvas_class):
    gradebook, roster = canvas_class
    folder = gradebook.parent.parent
    output = canvas_export(gradebook, roster, folder / "import.csv")

    grades = read_canvas_import(folder / "import.csv")
    assert grades == {user: f"{score:g}" for user, score in CANVAS_EXPECTED.items()}
    assert "555" not in grades and "105" not in grades  # the stranger, the test student
    (stranger,) = unmatched_paths(output)
    assert stranger.endswith("/muldérfox_555_9005_tf_intro.ipynb")
    assert "No submission: Müller, José" in output
    assert " 1 late." in output

    out = folder / "feedback.zip"
    output = cli("feedback", "canvas", "--gradebook", str(gradebook), "--roster", str(roster),
                 "--out", str(out), *CANVAS_LATE)  # fmt: skip
    own_entry = {}  # user id -> attachment id of that student's own download entry
    for name in CANVAS_DOWNLOAD:
        user, attachment = canvas_reupload_ids(name)
        own_entry[user] = attachment
    with zipfile.ZipFile(out) as archive:
        pages = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    by_user = {}
    for name, source in pages.items():
        user, attachment = canvas_reupload_ids(name)
        assert attachment == own_entry[user], name
        by_user[user] = page_of(source)
    assert sorted(by_user) == ["101", "102", "103"]  # not Müller, not the stranger
    assert_page(by_user["101"], 10)
    assert_page(by_user["102"], LATE_SCORE, late=True)
    assert_page(by_user["103"], PARTIAL_SCORE, PARTIAL_PARTS)
    assert by_user["103"]["student"] == "김, 철수"
    assert "No submission: Müller, José" in output
    assert unmatched_paths(output) == [stranger]


# Anonymous grading: "[LATE_]anon_<anonymous id>_<attachment id>_<file>", no user id at all.
# Two notebooks quick to grade with distinct scores: only who gets which is at stake here.
ANONYMOUS_LATE, ANONYMOUS_LATE_PARTS = corpus_case("mistake_tensor_to_minimize")
ANONYMOUS_LATE_FINAL = sum(ANONYMOUS_LATE_PARTS.values()) - 1  # one day: 10% of 10 points
ANONYMOUS, ANONYMOUS_PARTS = corpus_case("game_hardcoded_answers")
CANVAS_ANONYMOUS = {
    "LATE_anon_k3J9x_9101_tf_intro.ipynb": ANONYMOUS_LATE,
    "anon_Qp7w2_9102_tf_intro.ipynb": ANONYMOUS,
}


@pytest.fixture(scope="module")
def canvas_anonymous_class(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("canvas-anonymous")
    gradebook = graded_download(folder, "TF101-TF intro-submissions.zip", CANVAS_ANONYMOUS)
    roster = folder / "2026-12-02T0800_Grades-TF101.csv"
    roster.write_text(CANVAS_GRADEBOOK, encoding="utf-8")
    return gradebook, roster


def test_an_anonymous_canvas_download_credits_nobody_until_a_mapping_says_who(
    canvas_anonymous_class,
):
    gradebook, roster = canvas_anonymous_class
    folder = gradebook.parent.parent
    output = canvas_export(gradebook, roster, folder / "import.csv")
    assert read_canvas_import(folder / "import.csv") == {user: "0" for user in CANVAS_EXPECTED}
    listed = unmatched_paths(output)
    assert sorted(path.rsplit("/", 1)[1] for path in listed) == sorted(CANVAS_ANONYMOUS)
    assert "4 without a submission" in output

    # The instructor's mapping once identities are revealed: one row by the path the
    # export listed, one by the file's SHA-256 as sha256sum prints it.
    (late_path,) = [path for path in listed if "/LATE_anon_k3J9x_" in path]
    mapping = folder / "map.csv"
    mapping.write_text(
        f"submission,student\n{late_path},102\n{hashlib.sha256(ANONYMOUS).hexdigest()},cskim\n",
        encoding="utf-8",
    )
    output = canvas_export(gradebook, roster, folder / "import.csv", "--map", str(mapping))
    grades = read_canvas_import(folder / "import.csv")
    assert grades == {"101": "0", "102": f"{ANONYMOUS_LATE_FINAL:g}",
                      "103": f"{sum(ANONYMOUS_PARTS.values()):g}", "104": "0"}  # fmt: skip
    assert unmatched_paths(output) == [] and "Not used" not in output

    # An anonymous entry names no user id: Canvas could attach its page to nobody's
    out = folder / "feedback.zip"
    output = cli("feedback", "canvas", "--gradebook", str(gradebook), "--roster", str(roster),
                 "--out", str(out), "--map", str(mapping), *CANVAS_LATE)  # fmt: skip
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == []
    assert output.count("is an anonymous Canvas entry") == 2


# -- Moodle ---------------------------------------------------------------------------------

MOODLE_COLUMNS = [
    "Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
    "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
    "Feedback comments",
]  # fmt: skip
SUBMITTED = "Submitted for grading"
# Due 23:59 in Berlin (22:59 UTC). Ada's 11:30 PM is on time only when read in Berlin's
# zone; Babbage's is the next morning.
MOODLE_WORKSHEET = "\ufeff" + "\n".join(
    [
        ",".join(f'"{column}"' for column in MOODLE_COLUMNS),
        f'"Participant 201","Ada Lovelace",ada@uni.edu,"{SUBMITTED}",,10.00,Yes,'
        '"Tuesday, 1 December 2026, 11:30 PM",-,',
        f'"Participant 202","Charles Babbage",cb@uni.edu,"{SUBMITTED}",,10.00,Yes,'
        '"Wednesday, 2 December 2026, 9:30 AM",-,',
        f'"Participant 203",김철수,cs.kim@uni.edu,"{SUBMITTED}",,10.00,Yes,'
        '"Tuesday, 1 December 2026, 8:15 PM",-,',
        '"Participant 204","José Müller",jose@uni.edu,"No submission",,10.00,Yes,-,-,',
    ]
)
MOODLE_DOWNLOAD = {
    "Ada Lovelace_201_assignsubmission_file/tf_intro.ipynb": REFERENCE,  # Moodle 4.1+
    "Charles Babbage_202_assignsubmission_file/tf_intro.ipynb": REFERENCE,
    "김철수_203_assignsubmission_file_tf_intro.ipynb": PARTIAL,  # "in folders" off
    "Fox Mulder_999_assignsubmission_file/tf_intro.ipynb": TINY,  # not a participant here
}
BERLIN = ZoneInfo("Europe/Berlin")  # the course's zone: the worksheet's times are in it
MOODLE_LATE = ["--due", "2026-12-01T23:59", "--timezone", "Europe/Berlin", "--penalty", "10%"]


def read_moodle_worksheet(path: Path) -> tuple[list[str], dict[str, dict]]:
    """Upload grading worksheet as Moodle reads it: the participant id is what follows
    "Participant " in Identifier."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        rows = {row["Identifier"].removeprefix("Participant "): row for row in reader}
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def moodle_class(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("moodle")
    gradebook = graded_download(folder, "TF101-TF intro-3141.zip", MOODLE_DOWNLOAD)
    roster = folder / "Grades-TF101-TF intro-3141.csv"
    roster.write_text(MOODLE_WORKSHEET, encoding="utf-8")
    return gradebook, roster


def test_moodle_download_round_trips_to_the_worksheet_and_feedback_files(moodle_class):
    gradebook, roster = moodle_class
    folder = gradebook.parent.parent
    upload = folder / "upload.csv"
    before = datetime.now(BERLIN).replace(tzinfo=None)
    output = cli("export", "moodle-worksheet", "--gradebook", str(gradebook),
                 "--roster", str(roster), *MOODLE_LATE, "--out", str(upload))  # fmt: skip

    columns, rows = read_moodle_worksheet(upload)
    assert columns == MOODLE_COLUMNS
    assert list(rows) == ["201", "202", "203", "204"]  # every Identifier, unchanged
    assert (rows["201"]["Grade"], rows["203"]["Grade"], rows["204"]["Grade"]) == (
        "10", f"{PARTIAL_SCORE:g}", "0",
    )  # fmt: skip
    assert rows["203"]["Full name"] == "김철수" and rows["204"]["Status"] == "No submission"
    comments = rows["203"]["Feedback comments"]
    assert comments.startswith(f"{PARTIAL_SCORE:g} / 10")
    for part, score in PARTIAL_PARTS.items():
        assert f"{part} {score:g}" in comments
    assert "penalty" not in rows["201"]["Feedback comments"]  # 11:30 PM in Berlin: on time
    # Moodle skips a row whose grade changed after its "Last modified (grade)", read in
    # the server's zone: the export time, written in the course's zone
    for row in rows.values():
        stamp = datetime.strptime(row["Last modified (grade)"], "%A, %d %B %Y, %I:%M %p")
        after = datetime.now(BERLIN).replace(tzinfo=None)
        assert before - timedelta(minutes=1) <= stamp <= after, row["Last modified (grade)"]
    (stranger,) = unmatched_paths(output)
    assert "/Fox Mulder_999_assignsubmission_file/" in stranger
    assert "No submission: José Müller" in output

    out = folder / "feedback.zip"
    feedback_output = cli("feedback", "moodle", "--gradebook", str(gradebook),
                          "--roster", str(roster), "--out", str(out), *MOODLE_LATE)  # fmt: skip
    with zipfile.ZipFile(out) as archive:
        pages = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    by_participant = {}
    for name, source in pages.items():
        # Upload multiple feedback files: the path split on "_" gives the name, the
        # participant id, the plugin and the file name
        who, participant, plugin, kind, file = name.split("_", 4)
        assert (plugin, kind) == ("assignfeedback", "file"), name
        assert who == rows[participant]["Full name"], name
        by_participant[participant] = page_of(source)
    assert sorted(by_participant) == ["201", "202", "203"]  # not Müller, not 999
    assert_page(by_participant["201"], 10)
    assert_page(by_participant["203"], PARTIAL_SCORE, PARTIAL_PARTS)
    assert "No submission: José Müller" in feedback_output
    assert unmatched_paths(feedback_output) == [stranger]

    # Lateness from the worksheet's "Last modified (submission)", read in --timezone
    assert rows["202"]["Grade"] == f"{LATE_SCORE:g}", rows["202"]
    assert "penalty" in rows["202"]["Feedback comments"]
    assert "−1" in rows["202"]["Feedback comments"]
    assert " 1 late." in output
    assert_page(by_participant["202"], LATE_SCORE, late=True)


# -- Blackboard -----------------------------------------------------------------------------

BB_ASSIGNMENT = "TF intro"
BB_COLUMN = "TF intro [Total Pts: 10 Score] |123456"
BB_HEADER = [
    "Last Name", "First Name", "Username", "Student ID", "Last Access", "Availability",
    "Weighted Total [Total Pts: up to 0 Percentage] |123450", BB_COLUMN,
]  # fmt: skip
SHARED_NUMBER = "20260417"  # Dijkstra's Student ID, and Ada's username
BB_CLASS = [  # in Blackboard's order, by last name: last, first, username, student id
    ("Babbage", "Charles", "cbabbage", "20260102"),
    ("Dijkstra", "Edsger", "edijkstra", SHARED_NUMBER),
    ("Lovelace", "Ada", SHARED_NUMBER, "20260101"),
    ("Müller", "José", "jmuller", "20260103"),
]
# The student's own file name is kept; the feedback must show it as text
BB_PARTIAL_FILE = "tf_intro <v2> & notes.ipynb"
BB_ATTEMPTS = [  # username, stamp (the course's zone: New York), file, notebook
    (SHARED_NUMBER, "2026-12-01-20-00-00", "tf_intro.ipynb", REFERENCE),
    # 01:00 in New York is late; read as UTC it would be the evening before, on time
    ("cbabbage", "2026-12-02-01-00-00", "tf_intro.ipynb", REFERENCE),
    ("jmuller", "2026-12-01-23-00-00", BB_PARTIAL_FILE, PARTIAL),
    ("fmulder", "2026-12-01-21-00-00", "tf_intro.ipynb", TINY),  # not in this course
]
BB_LATE = ["--due", "2026-12-01T23:59", "--timezone", "America/New_York", "--penalty", "10%"]
BB_EXPECTED = {SHARED_NUMBER: 10, "cbabbage": LATE_SCORE, "jmuller": PARTIAL_SCORE,
               "edijkstra": 0}  # fmt: skip
BB_UPLOAD_HEADER = ["Last Name", "First Name", "Username", BB_COLUMN, "Grading Notes",
                    "Notes Format", "Feedback to Learner", "Feedback Format"]  # fmt: skip


def grade_center_download() -> bytes:
    """Work Offline → Download, as Blackboard writes it: every field quoted, tab-delimited,
    CRLF, UTF-16 with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(BB_HEADER)
    for last, first, username, student_id in BB_CLASS:
        writer.writerow([last, first, username, student_id, "Dec 1, 2026 9:14 AM", "Yes", "", ""])
    return buffer.getvalue().encode("utf-16")


def blackboard_download() -> dict[str, bytes]:
    """Download Assignment: each attempt's file, and the receipt Blackboard writes for it."""
    names = {username: (first, last) for last, first, username, _ in BB_CLASS}
    entries = {}
    for username, stamp, file, data in BB_ATTEMPTS:
        prefix = f"{BB_ASSIGNMENT}_{username}_attempt_{stamp}"
        entries[f"{prefix}_{file}"] = data
        first, last = names.get(username, ("Zed", "Stranger"))
        entries[f"{prefix}.txt"] = (
            f"Name: {first} {last} ({username})\nAssignment: {BB_ASSIGNMENT}\n"
            f"Date Submitted: {stamp}\nCurrent Grade: Needs Grading\n\n"
            "Submission Field:\nThere is no student submission text data for this assignment."
            "\n\nComments:\nThere are no student comments for this assignment.\n\n"
            f"Files:\n\tOriginal filename: {file}\n\tFilename: {prefix}_{file}\n"
        ).encode()
    return entries


def read_blackboard_upload(path: Path) -> tuple[list[str], dict[str, dict]]:
    """Work Offline → Upload as Blackboard reads it: UTF-16 tab-delimited or UTF-8
    comma-delimited; rows by Username."""
    raw = path.read_bytes()
    utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return header, {
        row[header.index("Username")]: dict(zip(header, row, strict=True)) for row in rows
    }


class FragmentReader(HTMLParser):
    """An HTML fragment as a browser shows it: its text, and every tag it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.pieces: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)

    def handle_data(self, data) -> None:
        self.pieces.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.pieces).split())


def read_fragment(source: str) -> FragmentReader:
    reader = FragmentReader()
    reader.feed(source)
    reader.close()
    return reader


@pytest.fixture(scope="module")
def blackboard_class(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("blackboard")
    gradebook = graded_download(
        folder, f"gradebook_TF101_{BB_ASSIGNMENT}_2026-12-02-08-00-00.zip", blackboard_download()
    )
    roster = folder / "gc_TF101_fullgc_2026-12-02-08-05-00.xls"
    roster.write_bytes(grade_center_download())
    return gradebook, roster


def test_blackboard_download_round_trips_to_the_grade_center_upload_and_feedback(
    blackboard_class,
):
    gradebook, roster = blackboard_class
    folder = gradebook.parent.parent
    upload = folder / "upload.csv"
    output = cli("export", "blackboard", "--gradebook", str(gradebook), "--roster", str(roster),
                 "--assignment", BB_ASSIGNMENT, "--assignment-id", "123456", *BB_LATE,
                 "--out", str(upload))  # fmt: skip

    header, rows = read_blackboard_upload(upload)
    (column,) = [title for title in header if title.endswith("|123456")]
    # By Username: Ada's file is hers, though her username is also Dijkstra's Student ID
    assert {username: row[column] for username, row in rows.items()} == {
        username: f"{score:g}" for username, score in BB_EXPECTED.items()
    }
    assert "fmulder" not in rows  # the stranger
    assert rows["jmuller"]["First Name"] == "José" and rows["jmuller"]["Last Name"] == "Müller"
    assert " 1 late." in output
    (stranger,) = unmatched_paths(output)
    assert stranger.endswith(f"/{BB_ASSIGNMENT}_fmulder_attempt_2026-12-01-21-00-00_tf_intro.ipynb")
    assert "No submission: Edsger Dijkstra" in output

    # Each grade's feedback beside it, as HTML
    assert header == BB_UPLOAD_HEADER
    for username, score in BB_EXPECTED.items():
        row = rows[username]
        assert row["Feedback Format"] == "HTML", row
        if username == "edijkstra":
            continue
        fragment = read_fragment(row["Feedback to Learner"])
        assert re.search(rf"(?<![\d.]){re.escape(f'{score:g}')}\s*/\s*10\b", fragment.text), (
            fragment.text
        )
        assert {"script", "img", "iframe"}.isdisjoint(fragment.tags)
        if username == "cbabbage":
            assert "penalty" in fragment.text.lower() or "−1" in fragment.text, fragment.text
        else:
            assert "penalty" not in fragment.text.lower(), fragment.text
    partial = read_fragment(rows["jmuller"]["Feedback to Learner"])
    for part, score in PARTIAL_PARTS.items():
        assert re.search(rf"{part}\W*{re.escape(f'{score:g}')}(?![\d.])", partial.text), (
            part,
            partial.text,
        )
    assert "v2" not in partial.tags  # the student's file name, if shown, is text
    if "notes.ipynb" in partial.text:
        assert BB_PARTIAL_FILE in partial.text

    # A feedback page per student with a submission, in a folder named by the Username
    out = folder / "feedback"
    feedback_output = cli("feedback", "blackboard", "--gradebook", str(gradebook),
                          "--roster", str(roster), "--out", str(out), *BB_LATE)  # fmt: skip
    assert sorted(path.name for path in out.iterdir() if path.is_dir()) == [
        SHARED_NUMBER, "cbabbage", "jmuller",
    ]  # fmt: skip
    assert {path.name for path in out.iterdir() if path.is_file()} <= {"index.html"}
    for username in (SHARED_NUMBER, "cbabbage", "jmuller"):
        stats = page_of((out / username / "feedback.html").read_text(encoding="utf-8"))
        parts = PARTIAL_PARTS if username == "jmuller" else None
        assert_page(stats, BB_EXPECTED[username], parts, late=username == "cbabbage")
    assert page_of((out / "jmuller" / "feedback.html").read_text())["file"].endswith(
        BB_PARTIAL_FILE
    )
    assert "No submission: Edsger Dijkstra" in feedback_output
    assert unmatched_paths(feedback_output) == [stranger]
