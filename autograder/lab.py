"""Labs: what the engine needs to know about one, and where labs are found.

A lab is a folder:

    lab.toml      name, title, the notebook students submit, the solution, parts with points,
                  and optionally `default = true`: the lab of notebooks that name none
    probes.py     imported in the student's process before student code: measuring code
                  only, returning plain numbers (and `before_student_code(gpu)`, if the lab
                  needs the process prepared)
    checks/       the hidden pytest checks, run in the grader process on the probes' answers
    hints.py      optional: HINTS, advice for the errors students of this lab make most
    solution/     the solution notebook in otter-grader's assign format (or where lab.toml
                  says)

`--lab` takes a built-in lab's name (a folder of autograder/labs/), the name of a lab another
package installs through the `tf_autograder.labs` entry point group (the entry point names
the lab's package, whose folder holds lab.toml), or the path of a lab folder.
"""

import importlib
import importlib.metadata
import importlib.util
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.hints import Hint

BUILT_IN = Path(__file__).resolve().parent / "labs"
ENTRY_POINTS = "tf_autograder.labs"
METADATA = "lab.toml"


class LabError(KeyError):
    """The lab can't be found or read; the message says why."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Lab:
    name: str
    title: str
    notebook_name: str  # the file name students submit
    probes_module: str  # imported inside the student's process: a module name or a .py path
    checks_dir: Path  # hidden pytest checks; loaded only in the grader process
    parts: dict[str, float]  # part tag -> points
    hints: tuple[Hint, ...] = ()
    folder: Path | None = None
    solution: Path | None = None  # the solution notebook, in otter's assign format
    reference: str = field(default="", compare=False)  # how get_lab finds it again

    @property
    def max_score(self) -> float:
        return sum(self.parts.values())

    def __post_init__(self) -> None:
        if not self.reference:
            object.__setattr__(self, "reference", self.name)


def get_lab(reference: str) -> Lab:
    """The lab named `reference` (built in or installed), or the lab folder at that path."""
    path = Path(reference).expanduser()
    if (path / METADATA).is_file():
        return load_lab(path.resolve(), str(path.resolve()))
    if (BUILT_IN / reference / METADATA).is_file():
        return load_lab(BUILT_IN / reference, reference)
    installed = {point.name: point for point in importlib.metadata.entry_points(group=ENTRY_POINTS)}
    if reference in installed:
        module = installed[reference].load()
        return load_lab(Path(module.__file__).resolve().parent, reference)
    if "/" in reference or path.exists():
        raise LabError(f"{reference} is not a lab folder: it has no {METADATA}")
    raise LabError(
        f"unknown lab {reference!r}; known labs: {', '.join(known_labs())}, or give the path"
        " of a lab folder"
    )


def only_lab() -> str:
    """What --lab means when it isn't given and the notebooks don't say: the one lab there
    is, else the built-in lab whose lab.toml says `default = true`."""
    labs = known_labs()
    if len(labs) == 1:
        return labs[0]
    defaults = [
        folder.parent.name
        for folder in sorted(BUILT_IN.glob(f"*/{METADATA}"))
        if tomllib.loads(folder.read_text(encoding="utf-8")).get("default") is True
    ]
    if len(defaults) != 1:
        raise LabError(f"several labs are known ({', '.join(labs)}): choose one with --lab")
    return defaults[0]


def known_labs() -> list[str]:
    built_in = [p.parent.name for p in BUILT_IN.glob(f"*/{METADATA}")]
    installed = [point.name for point in importlib.metadata.entry_points(group=ENTRY_POINTS)]
    return sorted({*built_in, *installed})


def load_lab(folder: Path, reference: str) -> Lab:
    try:
        meta = tomllib.loads((folder / METADATA).read_text(encoding="utf-8"))
        name, title, notebook = meta["name"], meta["title"], meta["notebook"]
        parts = {str(part): float(points) for part, points in meta["parts"].items()}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise LabError(f"can't read {folder / METADATA}: {error}") from None
    solution = folder / meta.get("solution", f"solution/{notebook}")
    return Lab(
        name=name,
        title=title,
        notebook_name=notebook,
        probes_module=_probes(folder),
        checks_dir=folder / "checks",
        parts=parts,
        hints=_hints(folder),
        folder=folder,
        solution=solution.resolve(),
        reference=reference,
    )


def _probes(folder: Path) -> str:
    """A built-in lab's probes by module name; any other lab's by file path."""
    if folder.parent == BUILT_IN:
        return f"autograder.labs.{folder.name}.probes"
    return str(folder / "probes.py")


def _hints(folder: Path) -> tuple[Hint, ...]:
    path = folder / "hints.py"
    if not path.is_file():
        return ()
    if folder.parent == BUILT_IN:
        module = importlib.import_module(f"autograder.labs.{folder.name}.hints")
    else:
        module = load_module_from(path, f"lab_hints_{folder.name}")
    return tuple(getattr(module, "HINTS", ()))


def load_module_from(path: Path, name: str):
    """A lab's module from its file (a lab outside any package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LabError(f"can't load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
