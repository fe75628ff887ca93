"""What the engine needs to know about a lab; everything else lives in the lab's folder."""

import importlib
from dataclasses import dataclass
from pathlib import Path

from autograder.feedback import Hint


@dataclass(frozen=True)
class Lab:
    name: str
    title: str
    notebook_name: str  # the file name students submit
    probes_module: str  # imported inside the student's process; measuring code only
    checks_dir: Path  # hidden pytest checks; loaded only in the grader process
    parts: dict[str, float]  # part tag -> points
    hints: tuple[Hint, ...] = ()

    @property
    def max_score(self) -> float:
        return sum(self.parts.values())


LABS = {
    "tf_intro": "autograder.labs.tf_intro",
    "tf_network": "autograder.labs.tf_network",
}


def get_lab(name: str) -> Lab:
    if name not in LABS:
        raise KeyError(f"unknown lab {name!r}; known labs: {', '.join(sorted(LABS))}")
    return importlib.import_module(LABS[name]).LAB
