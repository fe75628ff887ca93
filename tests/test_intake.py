import pytest

from autograder import reading
from autograder.intake import discover
from autograder.reading import load
from tests.conftest import notebook_bytes, zip_of


def test_folder_finds_notebooks_and_zips_recursively_and_skips_checkpoints(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.ipynb").write_bytes(notebook_bytes("x = 1"))
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "one-checkpoint.ipynb").write_bytes(b"{}")
    (tmp_path / "two.zip").write_bytes(zip_of({"tf_intro.ipynb": notebook_bytes("y = 2")}))
    (tmp_path / "notes.txt").write_text("not a submission")
    found = discover(tmp_path)
    assert [s.name for s in found] == ["one", "two"]
    assert b"y = 2" in load(found[1]).data
    assert all(len(s.sha256) == 64 for s in found)


def test_same_stem_in_two_folders_gets_two_result_names(tmp_path):
    for student in ("alice", "bob"):
        (tmp_path / student).mkdir()
        (tmp_path / student / "tf_intro.ipynb").write_bytes(notebook_bytes(student))
    assert [s.name for s in discover(tmp_path)] == ["alice__tf_intro", "bob__tf_intro"]


def test_otter_export_zip_yields_its_notebook(tmp_path):
    export = zip_of(
        {
            "tf_intro.ipynb": notebook_bytes("z = 3"),
            "__MACOSX/._tf_intro.ipynb": b"junk",
            "tests/train_step.py": b"OK_FORMAT = False",
        }
    )
    path = tmp_path / "tf_intro_2026_11_28T10_00_00.zip"
    path.write_bytes(export)
    (submission,) = discover(path)
    assert submission.problem is None
    assert b"z = 3" in load(submission).data


def test_bad_zips_become_submissions_with_a_problem(tmp_path):
    (tmp_path / "damaged.zip").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "empty.zip").write_bytes(zip_of({}))
    problems = {s.name: s.problem for s in discover(tmp_path)}
    assert "damaged" in problems["damaged"]
    assert "no notebook" in problems["empty"]


def test_canvas_download_zip_gives_identity_lateness_and_supersedes_older_files(tmp_path):
    download = zip_of(
        {
            "doejane_12345_67890_tf_intro.ipynb": notebook_bytes("a = 1"),
            "doejane_12345_67999_tf_intro-1.ipynb": notebook_bytes("a = 2"),
            "smithbob_late_23456_67891_tf_intro.ipynb": notebook_bytes("b = 1"),
            "leeann_34567_67892_tf_intro_2026_11_27T23_59_00.zip": zip_of(
                {"tf_intro.ipynb": notebook_bytes("c = 1"), ".OTTER_LOG": b"\x80binary"}
            ),
        }
    )
    (tmp_path / "submissions.zip").write_bytes(download)
    found = {s.name: s for s in discover(tmp_path / "submissions.zip")}
    assert len(found) == 4
    jane_old = found["doejane_12345_67890_tf_intro"]
    jane_new = found["doejane_12345_67999_tf_intro-1"]
    assert jane_old.student == jane_new.student == "canvas:12345"
    assert jane_old.superseded_by == jane_new.name and jane_new.superseded_by is None
    bob = found["smithbob_late_23456_67891_tf_intro"]
    assert bob.student == "canvas:23456" and bob.late
    ann = found["leeann_34567_67892_tf_intro_2026_11_27T23_59_00"]
    assert ann.student == "canvas:34567" and ann.problem is None and b"c = 1" in load(ann).data


def test_canvas_names_as_canvas_writes_them_late_unicode_and_anonymous(tmp_path):
    # lib/content_zipper.rb: [sortable name, "LATE" if late, user id], non-word characters
    # stripped (Unicode letters stay), then _<attachment id>_<file name>
    download = zip_of(
        {
            "smithjohn_LATE_123_456_tf_intro.ipynb": notebook_bytes("a = 1"),
            "김철수_124_457_tf_intro.ipynb": notebook_bytes("b = 1"),
            "müllerjosé_LATE_125_458_tf_intro.ipynb": notebook_bytes("c = 1"),
            "o_brienpat_126_459_tf_intro.ipynb": notebook_bytes("d = 1"),
            "anon_x7k2q_460_tf_intro.ipynb": notebook_bytes("e = 1"),
            "LATE_anon_48213_461_tf_intro.ipynb": notebook_bytes("f = 1"),
        }
    )
    (tmp_path / "submissions.zip").write_bytes(download)
    found = {s.source.name: s for s in discover(tmp_path / "submissions.zip")}
    identities = {name: (s.student, s.late, s.order) for name, s in found.items()}
    assert identities == {
        "smithjohn_LATE_123_456_tf_intro.ipynb": ("canvas:123", True, 456),
        "김철수_124_457_tf_intro.ipynb": ("canvas:124", False, 457),
        "müllerjosé_LATE_125_458_tf_intro.ipynb": ("canvas:125", True, 458),
        "o_brienpat_126_459_tf_intro.ipynb": ("canvas:126", False, 459),
        "anon_x7k2q_460_tf_intro.ipynb": ("canvas-anonymous:x7k2q", False, 460),
        "LATE_anon_48213_461_tf_intro.ipynb": ("canvas-anonymous:48213", True, 461),
    }
    assert all(s.problem is None and load(s).data for s in found.values())


def test_canvas_text_and_url_entries_are_not_notebooks_and_say_so(tmp_path):
    download = zip_of(
        {
            "smithjohn_123_text.html": b"<p>my answer is w = 5</p>",
            "leeann_LATE_124_link.html": b"<a href='https://colab.research.google.com'>",
        }
    )
    (tmp_path / "submissions.zip").write_bytes(download)
    found = {s.source.name: s for s in discover(tmp_path / "submissions.zip")}
    text, link = found["smithjohn_123_text.html"], found["leeann_LATE_124_link.html"]
    assert text.student == "canvas:123" and text.data is None
    assert "Canvas text entry, not a notebook" in text.problem
    assert link.student == "canvas:124" and link.late and link.data is None
    assert "Canvas URL entry, not a notebook" in link.problem


def test_gradescope_export_takes_identity_and_time_from_its_metadata(tmp_path):
    metadata = """
submission_111:
  :submitters:
  - :name: Jane Doe
    :sid: '1001'
    :email: jane@example.edu
  :created_at: 2026-11-27 20:00:00.000000000 -08:00
submission_222:
  :submitters:
  - :name: Jane Doe
    :sid: '1001'
  :created_at: 2026-11-27 23:00:00.000000000 -08:00
"""
    export = zip_of(
        {
            "assignment_9_export/submission_metadata.yml": metadata.encode(),
            "assignment_9_export/submission_111/tf_intro.ipynb": notebook_bytes("x = 1"),
            "assignment_9_export/submission_222/tf_intro.ipynb": notebook_bytes("x = 2"),
        }
    )
    (tmp_path / "export.zip").write_bytes(export)
    found = {s.name: s for s in discover(tmp_path / "export.zip")}
    assert sorted(found) == ["submission_111", "submission_222"]
    assert found["submission_111"].student == "gradescope:1001"
    assert found["submission_111"].superseded_by == "submission_222"
    assert found["submission_222"].submitted_at.startswith("2026-11-27 23:00")


def test_entries_with_unsafe_paths_and_oversized_entries_are_refused_with_a_reason(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(reading, "MAX_NOTEBOOK_BYTES", 1000)
    archive = zip_of(
        {
            "../../escape/evil.ipynb": notebook_bytes("x = 1"),
            "/abs/path.ipynb": notebook_bytes("y = 1"),
            "big.ipynb": b"{" + b" " * 5000 + b"}",
        }
    )
    (tmp_path / "class.zip").write_bytes(archive)
    found = {s.name: s for s in discover(tmp_path / "class.zip")}
    assert sorted(found) == ["big", "evil", "path"]
    assert "over" in found["big"].problem
    for name in ("evil", "path"):
        assert found[name].data is None and "unsafe path" in found[name].problem
        assert found[name].source.parent == tmp_path / "class.zip"
    assert not (tmp_path.parent / "escape").exists()


def test_gradescope_metadata_beside_a_notebook_gives_identity_and_time(tmp_path):
    folder = tmp_path / "submission_9"
    folder.mkdir()
    (folder / "tf_intro.ipynb").write_bytes(notebook_bytes("x = 1"))
    (folder / "submission_metadata.json").write_text(
        '{"users": [{"email": "ada@uni.edu", "sid": "S101", "name": "Ada"}],'
        ' "created_at": "2026-12-01T22:10:00.000000-05:00"}'
    )
    (found,) = discover(tmp_path)
    assert found.student == "gradescope:S101"
    assert found.submitted_at == "2026-12-01T22:10:00.000000-05:00"


def test_unreadable_metadata_beside_a_notebook_is_ignored(tmp_path):
    (tmp_path / "tf_intro.ipynb").write_bytes(notebook_bytes("x = 1"))
    (tmp_path / "submission_metadata.json").write_text("{not json")
    (found,) = discover(tmp_path)
    assert found.student is None


def test_a_notebook_over_the_size_limit_is_refused_at_intake(tmp_path):
    """Its bytes are not kept: on a cluster they would travel to a worker only to be refused."""
    from autograder.notebook import MAX_NOTEBOOK_BYTES

    (tmp_path / "huge.ipynb").write_bytes(b"{" + b" " * MAX_NOTEBOOK_BYTES + b"}")
    [submission] = discover(tmp_path)
    assert submission.data is None
    assert "over the 52 MB limit" in submission.problem
    assert len(submission.sha256) == 64


def test_a_class_downloads_entry_is_read_again_straight_from_the_zip(tmp_path):
    """What the review page, regrade and the similarity report do with a gradebook row."""
    from autograder.intake import reread

    entries = {f"submissions/student_{n}.ipynb": notebook_bytes(f"x = {n}") for n in range(3)}
    entries["submissions/empty_export.zip"] = zip_of({"notes.txt": b"no notebook"})
    (tmp_path / "class.zip").write_bytes(zip_of(entries))
    found = {s.name: s for s in discover(tmp_path / "class.zip")}

    def row(name: str) -> dict:
        submission = found[name]
        return {"source_path": str(submission.source), "name": name, "student": None,
                "sha256": submission.sha256, "submitted_at": None, "late": 0,
                "superseded_by": None}  # fmt: skip

    rows = {name: row(name) for name in found}
    assert b"x = 1" in reread(rows["student_1"]).data
    again = reread(rows["empty_export"])
    assert again.data is None and "holds no notebook" in again.problem  # as at intake
    # The class zip downloaded again with one entry changed and one gone
    entries["submissions/student_1.ipynb"] = notebook_bytes("x = 'changed'")
    del entries["submissions/student_2.ipynb"]
    (tmp_path / "class.zip").write_bytes(zip_of(entries))
    with pytest.raises(reading.IntakeError, match="has changed since it was graded"):
        reread(rows["student_1"])
    with pytest.raises(reading.IntakeError, match="no longer holds"):
        reread(rows["student_2"])
    assert b"x = 0" in reread(rows["student_0"]).data
