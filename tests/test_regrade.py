"""`autograder regrade`: the students named are graded again after a check is fixed, read
back from a folder and from an LMS download zip, and every earlier result stays.

The lab is a copy whose gradient check is broken at first (every submission loses its
point), as an instructor's bug would be; fixing it and regrading two students gives them
their point back, and an override made meanwhile stays, with a notice.
"""

import shutil
import sqlite3
import subprocess
import sys

from tests.conftest import CORPUS, grade_folder, zip_of

BROKEN = "    require(False, 'This check is broken.')\n"
CHECK_NAME = "train_step: the gradient handed to the optimizer is dJ/dw = 2w − 10 at every step"
DOCSTRING = f'    """{CHECK_NAME}"""\n'
EXAMPLES = CORPUS.parent.parent / "examples" / "submissions"


def cli(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *arguments],
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_regrading_after_a_check_is_fixed_changes_only_the_students_named(tmp_path):
    from autograder.labs.tf_intro import LAB

    lab = tmp_path / "tf_intro"
    shutil.copytree(LAB.checks_dir.parent, lab, ignore=shutil.ignore_patterns("__pycache__"))
    check = lab / "checks" / "check_train_step.py"
    fixed = check.read_text()
    assert DOCSTRING in fixed
    check.write_text(fixed.replace(DOCSTRING, DOCSTRING + BROKEN))

    submissions = tmp_path / "class"
    (submissions / "ada").mkdir(parents=True)
    shutil.copy(EXAMPLES / "valid_reference.ipynb", submissions / "ada" / "tf_intro.ipynb")
    notebook = (EXAMPLES / "valid_tf_function.ipynb").read_bytes()
    (submissions / "download.zip").write_bytes(
        zip_of(
            {
                "babbagecharles_102_2_tf_intro.ipynb": notebook,
                "curiemarie_103_3_tf_intro.ipynb": notebook,
            }
        )  # fmt: skip
    )
    out = tmp_path / "out"
    first = grade_folder(submissions, out, "--lab", str(lab), "--workers", "2")
    assert {name: result["score"] for name, result in first.items()} == {
        "tf_intro": 9, "babbagecharles_102_2_tf_intro": 9, "curiemarie_103_3_tf_intro": 9
    }  # fmt: skip
    gradebook = str(out / "gradebook.sqlite")
    made = cli("override", "ada", "--gradebook", gradebook, "--check", "gradient handed",
               "--score", "1", "--reason", "the check has a bug")  # fmt: skip
    assert made.returncode == 0, made.stderr

    check.write_text(fixed)  # the check is fixed
    regraded = cli("regrade", "ada", "102", "--gradebook", gradebook, "--workers", "2")
    assert regraded.returncode == 0, regraded.stderr
    lines = regraded.stdout.splitlines()
    ada_path = submissions / "ada" / "tf_intro.ipynb"
    assert f"tf_intro ({ada_path}): autograder 9 -> 10; with overrides 10 -> 10" in lines
    assert "babbagecharles_102_2_tf_intro (canvas:102): autograder 9 -> 10" in lines
    notice = " ".join(regraded.stderr.split())
    assert "tf_intro: overrides kept (check" in notice
    assert "now gives the check" in notice and "(it gave 0 when it was overridden)" in notice

    with sqlite3.connect(gradebook) as book:
        scores = book.execute(
            "SELECT name, group_concat(score, ' ') FROM (SELECT name, score FROM submissions"
            " ORDER BY id) GROUP BY name"
        ).fetchall()
    # Every earlier result stays; Curie, not named, was not regraded
    assert dict(scores) == {
        "tf_intro": "9.0 10.0", "babbagecharles_102_2_tf_intro": "9.0 10.0",
        "curiemarie_103_3_tf_intro": "9.0",
    }  # fmt: skip
    assert (out / "tf_intro.json").read_text().count('"score": 10') >= 1  # rewritten
    history = cli("history", "ada", "--gradebook", gradebook).stdout
    assert [line.split()[1] for line in history.splitlines()[1:]] == ["graded", "override",
                                                                       "graded"]  # fmt: skip

    ada_path.write_text(ada_path.read_text().replace("tf.", "tf .", 1))  # changed since
    refused = cli("regrade", "ada", "--gradebook", gradebook)
    assert refused.returncode == 1
    assert "has changed since it was graded" in refused.stderr
    unknown = cli("regrade", "nobody", "--gradebook", gradebook)
    assert unknown.returncode == 1 and "no graded submission is 'nobody'" in unknown.stderr
