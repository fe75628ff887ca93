"""`autograder new-lab PATH --name NAME`: a lab folder with one small example question.

Out of the box it generates its student notebook (`autograder assign --lab PATH`), grades
its own solution at full marks and its stubs at 0. Its files are the templates in
autograder/scaffold/, with the lab's name filled in; each says what to change.
"""

import re
import shutil
from pathlib import Path

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDER = "LAB_NAME"


class NewLabError(Exception):
    """The lab can't be created where asked; the message says why."""


def new_lab(folder: Path, name: str) -> list[Path]:
    if not NAME.match(name):
        raise NewLabError(
            f"--name {name!r}: use lower case letters, digits and _, starting with a letter"
            " (it names the notebook students submit and the lab's modules)"
        )
    if folder.exists() and any(folder.iterdir()):
        raise NewLabError(f"{folder} exists and is not empty: choose a new folder")
    written = []
    for template in sorted(p for p in SCAFFOLD.rglob("*") if p.is_file()):
        if "__pycache__" in template.parts:
            continue
        relative = Path(str(template.relative_to(SCAFFOLD)).replace(PLACEHOLDER, name))
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if template.suffix in {".py", ".toml", ".ipynb", ".md"}:
            target.write_text(template.read_text(encoding="utf-8").replace(PLACEHOLDER, name),
                              encoding="utf-8")  # fmt: skip
        else:
            shutil.copyfile(template, target)
        written.append(target)
    return written
