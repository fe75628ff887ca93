"""Similar submissions: a pointer for an instructor to read two notebooks side by side,
never a verdict.

Each notebook's code cells are compared with every other's by copydetect (winnowed
fingerprints of the token stream, in which every name is the same token: renaming
variables or rewording comments does not hide copied code). What every submission shares
is left out first: its cells that are cells of the assignment or of the solution, and in
its other cells the fingerprints of those given cells. Earlier terms' notebooks may be
added as a reference set: each is compared with this term's, not with each other.
Everything runs on this machine; nothing is sent anywhere.
"""

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import copydetect.utils
import numpy as np
from copydetect import CodeFingerprint, compare_files

from autograder.intake import IntakeError, discover, reread
from autograder.lab import Lab
from autograder.notebook import NotebookError, load_notebook
from autograder.reading import load

# copydetect's own defaults: matches shorter than NOISE tokens are ignored, matches of
# GUARANTEE tokens or more are always found
NOISE, GUARANTEE = 25, 30
DEFAULT_THRESHOLD = 0.8  # of one notebook's own code (what the solution does not hold)
MIN_TOKENS = 60  # own code shorter than this is too little to compare
CELL_BREAK = "\n\n\n"  # between cells in Code.text


def _stable_hashed_kgrams(text: str, k: int) -> np.ndarray:
    """copydetect's k-gram hashes, with a hash that is the same in every process."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(text[i : i + k].encode(), digest_size=8).digest(),
                        "little", signed=True) for i in range(len(text) - k + 1)],
        dtype=np.int64,
    )  # fmt: skip


# copydetect hashes k-grams with hash(), which Python seeds anew in every process: winnowing
# then keeps other fingerprints, and the same class would give other pairs at every run.
copydetect.utils.hashed_kgrams = _stable_hashed_kgrams


@dataclass(frozen=True)
class Code:
    name: str  # the submission's name, or a reference file's
    text: str  # its code cells, joined
    reference: bool = False  # from an earlier term

    @property
    def cells(self) -> list[str]:
        return self.text.split(CELL_BREAK)


@dataclass(frozen=True)
class SimilarPair:
    first: Code
    second: Code
    score: float  # the larger share of one notebook's own code found in the other
    regions: tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]  # char spans


def notebook_cells(data: bytes) -> list[str] | None:
    """A notebook's code cells, or None when it is not a notebook."""
    try:
        return load_notebook(data).code_sources()
    except NotebookError:
        return None


def notebook_code(data: bytes) -> str | None:
    """A notebook's code cells joined, or None when it is not a notebook."""
    cells = notebook_cells(data)
    return None if cells is None else CELL_BREAK.join(cell.strip("\n") for cell in cells)


def given_cells(lab: Lab) -> list[str]:
    """What every student of the lab shares: the solution's cells and the template's."""
    from autograder.assign import template_cells  # otter takes seconds to load: only here

    return [*(notebook_cells(lab.solution.read_bytes()) or []), *template_cells(lab.solution)]


def submission_codes(rows: list[dict]) -> tuple[list[Code], list[str]]:
    """The code of each gradebook row's notebook, read again from its file; and a line for
    each that could not be read (moved, changed, not a notebook)."""
    codes, problems = [], []
    for row in rows:
        try:
            text = notebook_code(reread(row).data or b"")
        except IntakeError as error:
            problems.append(f"not compared: {error}")
            continue
        if text is None:
            problems.append(f"not compared: {row['name']} is not a notebook")
        else:
            codes.append(Code(row["name"], text))
    return codes, problems


def reference_codes(folder: Path) -> list[Code]:
    """Every notebook in a folder of earlier terms' submissions (zips and exports too)."""
    try:
        submissions = discover(folder)
    except (IntakeError, OSError) as error:
        raise IntakeError(f"the reference folder {folder} can't be read: {error}") from None
    codes = []
    for submission in submissions:
        try:
            text = notebook_code(load(submission).data or b"")
        except IntakeError:  # gone or changed since it was found: nothing to compare
            continue
        if text is not None:
            codes.append(Code(f"reference: {submission.name}", text, reference=True))
    return codes


def _fingerprint(code: Code, boilerplate) -> CodeFingerprint:
    window = GUARANTEE - NOISE + 1
    return CodeFingerprint(f"{code.name}.py", NOISE, window, boilerplate, language="python",
                           fp=io.StringIO(code.text))  # fmt: skip


def _normal(cell: str) -> str:
    """A cell as compared with the given ones: without comments and spacing."""
    return "".join("".join(line.split("#", 1)[0].split()) for line in cell.splitlines())


def similar_pairs(
    codes: list[Code], given: list[str], threshold: float = DEFAULT_THRESHOLD
) -> list[SimilarPair]:
    """Pairs whose own code is shared at `threshold` or more, most similar first.

    `given` is the assignment's and the solution's code cells. A notebook's cells that are
    given cells (comments and spacing aside) are left out; in the others, the fingerprints
    of given cells are set aside, so a renamed copy of the solution's lines, which every
    correct student writes, does not count as shared. The given cells are fingerprinted one
    by one, as they are: joined, they would add fingerprints that span two of them."""
    known = {_normal(cell) for cell in given}
    # unique: copydetect intersects with assume_unique
    boilerplate = sorted({h for cell in given for h in _fingerprint(Code("g", cell), None).hashes})
    owned = [
        Code(code.name, CELL_BREAK.join(c for c in code.cells if _normal(c) not in known),
             code.reference)
        for code in codes
    ]  # fmt: skip
    prints = [(code, _fingerprint(code, boilerplate)) for code in owned]
    prints = [(code, p) for code, p in prints if p.token_coverage >= MIN_TOKENS]
    pairs = []
    for index, (first, first_print) in enumerate(prints):
        for second, second_print in prints[index + 1 :]:
            if first.reference and second.reference:
                continue
            _, (share1, share2), (slices1, slices2) = compare_files(first_print, second_print)
            score = float(max(share1, share2))
            if score >= threshold:
                regions = (_spans(slices1), _spans(slices2))
                pairs.append(SimilarPair(first, second, score, regions))
    return sorted(pairs, key=lambda pair: (-pair.score, pair.first.name, pair.second.name))


def _spans(slices) -> tuple[tuple[int, int], ...]:
    if len(slices) == 0 or len(slices[0]) == 0:
        return ()
    return tuple((int(start), int(end)) for start, end in zip(slices[0], slices[1], strict=True))


def marked(text: str, spans: tuple[tuple[int, int], ...]) -> list[tuple[str, bool]]:
    """The text cut into pieces, each marked True when it lies in a matching region."""
    pieces, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        pieces += [(text[at:start], False), (text[start:end], True)]
        at = end
    pieces.append((text[at:], False))
    return [(piece, flag) for piece, flag in pieces if piece]


@dataclass(frozen=True)
class ClassSimilarity:
    pairs: list[SimilarPair]
    compared: int  # notebooks of the class read and compared
    problems: list[str]  # one line per submission that could not be read


def compare_class(
    rows: list[dict], lab: Lab, threshold: float = DEFAULT_THRESHOLD, reference: Path | None = None
) -> ClassSimilarity:
    """The class's graded notebooks (gradebook rows) compared with each other, and with
    earlier terms' notebooks in `reference`."""
    codes, problems = submission_codes(rows)
    earlier = reference_codes(reference) if reference else []
    pairs = similar_pairs([*codes, *earlier], given_cells(lab), threshold)
    return ClassSimilarity(pairs, len(codes), problems)
