"""The generated assignments of the labs that read a data file: in sync with their
solutions, and the data beside the notebook."""

import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.assign import generate_assignment
from autograder.lab import get_lab

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("data") / "digits_0_5.npz"
LABS = ("tf_network", "keras_cnn")


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module", params=LABS)
def regenerated(request, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    lab = request.param
    out = tmp_path_factory.mktemp("regenerated") / lab
    generate_assignment(get_lab(lab).solution, out, lab_name=lab)
    return lab, out


def test_committed_assignment_matches_regenerated(regenerated: tuple[str, Path]) -> None:
    lab, out = regenerated
    committed = ROOT / "assignments" / lab
    assert _files(committed) == _files(out)
    for rel in _files(out):
        if rel.suffix == ".ipynb":
            old, new = (nbformat.read(root / rel, as_version=4) for root in (committed, out))
            assert [c.source for c in old.cells] == [c.source for c in new.cells], rel
        else:
            assert (committed / rel).read_bytes() == (out / rel).read_bytes(), rel


def test_the_digits_travel_with_the_notebook(regenerated: tuple[str, Path]) -> None:
    """The same bytes beside the solution, in the assignment, in its zip and in the lab."""
    lab, out = regenerated
    expected = (get_lab(lab).folder / DATA).read_bytes()
    assert (get_lab(lab).solution.parent / DATA).read_bytes() == expected
    assert (out / DATA).read_bytes() == expected
    with zipfile.ZipFile(out / "handout" / f"{lab}.zip") as archive:
        assert archive.read(f"{lab}/{DATA.as_posix()}") == expected


def test_regenerating_over_a_previous_output_keeps_working(regenerated: tuple[str, Path]) -> None:
    lab, out = regenerated
    # the data folder is its own output
    assert generate_assignment(get_lab(lab).solution, out, lab_name=lab)
    (out / "data" / "notes.txt").write_text("not generated")
    with pytest.raises(FileExistsError, match="data"):
        generate_assignment(get_lab(lab).solution, out, lab_name=lab)
