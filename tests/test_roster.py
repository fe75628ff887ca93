"""Rosters from Canvas, Moodle and plain CSV files, and the errors a wrong file gets."""

import pytest

from autograder.roster import load_roster
from autograder.student import RosterError


def roster(tmp_path, text: str):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return load_roster(path)


def test_a_canvas_export_gives_ids_and_skips_points_possible_and_the_test_student(tmp_path):
    students = roster(
        tmp_path,
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab (1)\n"
        "    Points Possible,,,,,10\n"
        '"Noether, Emmy",201,S201,enoether,Sec A,9\n'
        '"Student, Test",999,,,,\n',
    )
    (emmy,) = students
    assert (emmy.name, emmy.user_id("canvas"), emmy.sis_user_id, emmy.section) == (
        "Noether, Emmy", "201", "S201", "Sec A"
    )  # fmt: skip
    assert "canvas:201" in emmy.identifiers() and "any:enoether" in emmy.identifiers()


def test_a_moodle_export_with_surname_gives_email_username_and_idnumber(tmp_path):
    (emmy,) = roster(
        tmp_path,
        "First name,Surname,ID number,Username,Email address\n"
        "Emmy,Noether,S201,enoether,EN@uni.edu\n",
    )
    assert (emmy.first_name, emmy.last_name, emmy.email) == ("Emmy", "Noether", "EN@uni.edu")
    assert "email:en@uni.edu" in emmy.identifiers()  # matching ignores case


def test_an_unknown_layout_says_which_layouts_work(tmp_path):
    with pytest.raises(RosterError, match="Canvas gradebook export"):
        roster(tmp_path, "who,what\nx,y\n")


def test_a_student_listed_twice_is_refused(tmp_path):
    with pytest.raises(RosterError, match="twice"):
        roster(tmp_path, "id,name,email\n1,A B,a@x\n1,C D,c@x\n")


def test_an_empty_roster_is_refused(tmp_path):
    with pytest.raises(RosterError, match="no students"):
        roster(tmp_path, "id,name,email\n")
