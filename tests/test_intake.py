import io
import zipfile

from autograder.intake import discover
from tests.conftest import notebook_bytes


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_folder_finds_notebooks_and_zips_recursively_and_skips_checkpoints(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.ipynb").write_bytes(notebook_bytes("x = 1"))
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "one-checkpoint.ipynb").write_bytes(b"{}")
    (tmp_path / "two.zip").write_bytes(_zip({"tf_intro.ipynb": notebook_bytes("y = 2")}))
    (tmp_path / "notes.txt").write_text("not a submission")
    found = discover(tmp_path)
    assert [s.name for s in found] == ["one", "two"]
    assert b"y = 2" in found[1].data
    assert all(len(s.sha256) == 64 for s in found)


def test_same_stem_in_two_folders_gets_two_result_names(tmp_path):
    for student in ("alice", "bob"):
        (tmp_path / student).mkdir()
        (tmp_path / student / "tf_intro.ipynb").write_bytes(notebook_bytes(student))
    assert [s.name for s in discover(tmp_path)] == ["alice__tf_intro", "bob__tf_intro"]


def test_otter_export_zip_yields_its_notebook(tmp_path):
    export = _zip(
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
    assert b"z = 3" in submission.data


def test_bad_zips_become_submissions_with_a_problem(tmp_path):
    (tmp_path / "damaged.zip").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "empty.zip").write_bytes(_zip({}))
    (tmp_path / "two.zip").write_bytes(_zip({"a.ipynb": b"{}", "b.ipynb": b"{}"}))
    problems = {s.name: s.problem for s in discover(tmp_path)}
    assert "damaged" in problems["damaged"]
    assert "no notebook" in problems["empty"]
    assert "more than one notebook" in problems["two"]
