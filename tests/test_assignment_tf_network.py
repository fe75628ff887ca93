"""The generated tf_network assignment: in sync with its solution, and its data beside it."""

import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.assign import generate_assignment
from autograder.labs.tf_network.dataset import DIGITS

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "tf_network" / "tf_network.ipynb"
ASSIGNMENT = ROOT / "assignments" / "tf_network"
DATA = Path("data") / "digits_0_5.npz"


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("regenerated") / "tf_network"
    generate_assignment(SOLUTION, out, lab_name="tf_network")
    return out


def test_committed_assignment_matches_regenerated(regenerated: Path) -> None:
    assert _files(ASSIGNMENT) == _files(regenerated)
    for rel in _files(regenerated):
        if rel.suffix == ".ipynb":
            old, new = (
                nbformat.read(root / rel, as_version=4) for root in (ASSIGNMENT, regenerated)
            )
            assert [c.source for c in old.cells] == [c.source for c in new.cells], rel
        else:
            assert (ASSIGNMENT / rel).read_bytes() == (regenerated / rel).read_bytes(), rel


def test_the_digits_travel_with_the_notebook(regenerated: Path) -> None:
    """The same bytes beside the solution, in the assignment, in its zip and in the lab."""
    expected = DIGITS.read_bytes()
    assert (SOLUTION.parent / DATA).read_bytes() == expected
    assert (regenerated / DATA).read_bytes() == expected
    with zipfile.ZipFile(regenerated / "handout" / "tf_network.zip") as archive:
        assert archive.read(f"tf_network/{DATA.as_posix()}") == expected


def test_regenerating_over_a_previous_output_keeps_working(regenerated: Path) -> None:
    # the data folder is its own output
    assert generate_assignment(SOLUTION, regenerated, lab_name="tf_network")
    (regenerated / "data" / "notes.txt").write_text("not generated")
    with pytest.raises(FileExistsError, match="data"):
        generate_assignment(SOLUTION, regenerated, lab_name="tf_network")
