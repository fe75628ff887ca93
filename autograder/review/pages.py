"""What the review pages show, read from the gradebook: the class's rows, filtered and
sorted, and one student's work, scores, late penalty, history and overrides.

Nothing here writes: the pages' GET requests only read. A student's notebook is read
again from where it was submitted and parsed as JSON for its code cells' text; nothing
from it is imported, run or evaluated.
"""

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from autograder.gradebook import STATUSES, Gradebook, status_of
from autograder.overrides import LATE, TOTAL, Adjusted, Override, adjust
from autograder.regrade import RegradeError, reload
from autograder.results import SubmissionResult, TestResult

# A check's message may end with advice from the lab's hints: "… Hint: <advice>".
HINT = re.compile(r"Hint: ([^\n]+)")
SORTS = ("name", "total")  # and part:<name>
PER_PAGE = (25, 100, 500)  # the class page's choices of rows per page
DEFAULT_PER_PAGE = 100


def hints_in(text: str) -> list[str]:
    """Each "Hint: …" sentence of a check's message, as written there."""
    return [f"Hint: {match.strip()}" for match in HINT.findall(text or "")]


def failed(test: TestResult) -> bool:
    return test.status != "passed"


class GradebookRowFacts:
    """Who and what a page's gradebook row is: for classes that hold it as `row`."""

    row: dict

    @property
    def subject(self) -> str:
        return self.row["subject"]

    @property
    def lab(self) -> str:
        return self.row["lab"]

    @property
    def file(self) -> str:
        return PurePath(self.row["source_path"]).name


@dataclass(frozen=True)
class ClassRow(GradebookRowFacts):
    """One submitted file's newest result, with its student's overrides applied."""

    row: dict
    result: SubmissionResult  # the autograder's own verdicts: what the filters read
    adjusted: Adjusted
    status: str

    @property
    def name(self) -> str:
        return self.row["name"]

    @property
    def total(self) -> float:
        return self.adjusted.total

    @property
    def autograder_total(self) -> float:
        return self.adjusted.autograder_total

    @property
    def overridden(self) -> tuple[Override, ...]:
        return self.adjusted.applied

    def part(self, name: str) -> float | None:
        return self.adjusted.parts.get(name)

    def failed_checks(self) -> list[str]:
        # An ungraded file's checks are placeholders, not verdicts on the student's code
        if self.status != "graded":
            return []
        return [test.name for test in self.result.tests if failed(test)]

    def hints(self) -> list[str]:
        if self.status != "graded":
            return []
        failures = [test for test in self.result.tests if failed(test)]
        return [hint for test in failures for hint in hints_in(test.output)]

    def text(self) -> str:
        """What the free-text search looks in, lower case."""
        row = self.row
        words = [row["name"], row["subject"], row["source_path"], row["student"] or ""]
        return " ".join(words).lower()


def class_rows(gradebook: Gradebook, lab: str) -> list[ClassRow]:
    """One lab's counted and superseded files, as the class page lists them. Read from the
    gradebook's columns and checks table, not from each row's result JSON: at 10,000 rows
    parsing the JSON (cells, notes) took most of the page's time."""
    checks = gradebook.current_checks(lab)
    rows = []
    for row in gradebook.current_submissions(lab, results=False):
        result = listed_result(row, checks.get(row["id"], []))
        rows.append(ClassRow(row, result, adjust(result, row["overrides"]), status_of(row, result)))
    return rows


def listed_result(row: dict, tests: list[TestResult]) -> SubmissionResult:
    """What the class page reads of a row's result: its checks' verdicts and messages, its
    score (as the result JSON rounds it) and whether the grader failed on it."""
    extra = {"grader_failure": True} if row["grader_failure"] else {}
    return SubmissionResult(round(row["score"], 4), tests, extra_data=extra)


def part_maxima(rows: list[ClassRow]) -> dict[str, float]:
    """Each part and its points, in the order the results list them (graded ones first:
    an ungraded result's placeholder checks carry the same parts)."""
    parts: dict[str, float] = {}
    for row in sorted(rows, key=lambda row: row.status != "graded"):
        for part, (_, best) in row.result.part_scores().items():
            parts.setdefault(part, best)
    return parts


@dataclass(frozen=True)
class ClassQuery:
    """The class page's filters and order, as its GET form and links carry them."""

    lab: str = ""  # the lab graded (runs.lab): its students, parts and checks
    check: str = ""
    hint: str = ""
    text: str = ""
    status: str = ""  # "" = every counted file; "superseded" shows the files that don't count
    sort: str = "name"
    descending: bool = False
    page: int = 1  # 1-based; past the last page means the last page (see Page)
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def from_args(cls, args, labs: list[str]) -> "ClassQuery":
        """The query a page's address asks for; the newest lab unless it names another.
        A page number or size that is not one falls back to the first page of 100 rows."""
        per_page = _whole_number(args.get("per_page", ""))
        return cls(
            lab=args.get("lab") if args.get("lab") in labs else (labs[0] if labs else ""),
            check=args.get("check", ""),
            hint=args.get("hint", ""),
            text=args.get("q", "").strip(),
            status=args.get("status", "") if args.get("status", "") in STATUSES else "",
            sort=args.get("sort", "name"),
            descending=args.get("order") == "desc",
            page=max(_whole_number(args.get("page", "")) or 1, 1),
            per_page=per_page if per_page in PER_PAGE else DEFAULT_PER_PAGE,
        )

    def args(self, **changes) -> dict[str, str]:
        """The query string's parameters, with `changes`; empty ones left out."""
        values = {
            "lab": self.lab,
            "check": self.check,
            "hint": self.hint,
            "q": self.text,
            "status": self.status,
            "sort": self.sort if self.sort != "name" else "",
            "order": "desc" if self.descending else "",
            "page": str(self.page) if self.page != 1 else "",
            "per_page": str(self.per_page) if self.per_page != DEFAULT_PER_PAGE else "",
        }
        values.update({key: str(value) for key, value in changes.items()})
        return {key: value for key, value in values.items() if value}

    def page_link(self, page: int) -> dict[str, str]:
        """Another page of the same rows: the filters, order and page size kept."""
        return self.args(page=page if page != 1 else "")

    def sort_link(self, sort: str) -> dict[str, str]:
        """The order for a column heading's link: this column, the other way if it is the
        current one; a score column starts with the highest. From the first page: row 201
        in one order is nobody in particular in the other."""
        if sort == self.sort:
            descending = not self.descending
        else:
            descending = sort != "name"
        return self.args(sort=sort if sort != "name" else "", order="desc" if descending else "",
                         page="")  # fmt: skip

    def keep(self, row: ClassRow) -> bool:
        if row.lab != self.lab:
            return False
        if (row.status == "superseded") != (self.status == "superseded"):
            return False
        if self.status and row.status != self.status:
            return False
        if self.check and self.check not in row.failed_checks():
            return False
        if self.hint and not any(self.hint in hint for hint in row.hints()):
            return False
        return not self.text or self.text.lower() in row.text()

    def apply(self, rows: list[ClassRow]) -> list[ClassRow]:
        kept = sorted((row for row in rows if self.keep(row)), key=lambda row: row.name.lower())
        if self.sort == "total":
            kept.sort(key=lambda row: row.total, reverse=self.descending)
        elif self.sort.startswith("part:"):
            part = self.sort.partition(":")[2]
            kept.sort(key=lambda row: row.part(part) or 0.0, reverse=self.descending)
        elif self.descending:
            kept.reverse()
        return kept  # ties keep the name order: the sorts are stable

    def page_of(self, rows: list[ClassRow]) -> "Page":
        """The page asked for of rows already filtered and sorted (apply): the last one
        if the number is past it."""
        pages = max(1, math.ceil(len(rows) / self.per_page))
        number = min(self.page, pages)
        start = (number - 1) * self.per_page
        return Page(rows[start : start + self.per_page], number, pages, start, len(rows))


@dataclass(frozen=True)
class Page:
    """One page of the class's rows, and where it lies among them."""

    rows: list[ClassRow]
    number: int  # 1-based
    pages: int  # at least 1, even with no rows
    start: int  # how many matching rows come before this page's first
    matching: int  # rows that the filters keep, on every page

    @property
    def first_row(self) -> int:
        """The 1-based place of this page's first row among the matching ones (0: none)."""
        return self.start + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return self.start + len(self.rows)


def _whole_number(text: str) -> int | None:
    """A page number or size as typed in an address: digits only, else None."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@dataclass(frozen=True)
class Choice:
    value: str
    count: int  # how many counted, graded files it applies to


def check_choices(rows: list[ClassRow]) -> list[Choice]:
    """Every check some graded file fails, most failed first."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.status == "graded":
            for test in row.result.tests:
                counts[test.name] = counts.get(test.name, 0) + failed(test)
    return [Choice(name, n) for name, n in sorted(counts.items(), key=lambda x: -x[1]) if n]


def hint_choices(rows: list[ClassRow]) -> list[Choice]:
    counts: dict[str, int] = {}
    for row in rows:
        for hint in set(row.hints()):
            counts[hint] = counts.get(hint, 0) + 1
    return [Choice(hint, n) for hint, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


# ---- one student ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckView:
    test: TestResult  # as overridden
    autograder: TestResult  # as the autograder scored it
    hints: list[str]

    @property
    def part(self) -> str | None:
        return self.test.tags[0] if self.test.tags else None


@dataclass(frozen=True)
class CodeCell:
    number: int  # 1-based among code cells, as the result's cells count them
    source: str
    run: dict | None  # the result's record of running it: status, error, notes


@dataclass(frozen=True)
class Target:
    value: str  # what `Gradebook.override` takes: check:<name>, part:<name>, total, late
    label: str


@dataclass
class StudentView(GradebookRowFacts):
    row: dict  # the counted result (the newest one, if all of them are superseded)
    others: list[dict]  # this student's other files in this lab: superseded ones
    other_labs: list[str]  # the other labs this student has results for
    result: SubmissionResult
    adjusted: Adjusted
    status: str
    checks: list[CheckView]
    parts: list[tuple[str, float, float, float]]  # part, autograder's, counted, points
    failed_cells: list[dict]
    code_cells: list[CodeCell]
    code_note: str  # why the code cells can't be shown, when they can't
    export: dict | None  # the newest export's grade for this student
    history: list[dict]
    log: list[Override]
    in_force: list[Override]
    targets: list[Target] = field(default_factory=list)


def student_view(gradebook: Gradebook, subject: str, lab: str = "") -> StudentView | None:
    """One student's page in one lab: the lab given, else the one graded last for them."""
    everything = [row for row in gradebook.current_submissions() if row["subject"] == subject]
    if not everything:
        return None
    labs = {row["lab"] for row in everything}
    if lab not in labs:
        lab = max(everything, key=lambda row: row["id"])["lab"]
    rows = [row for row in everything if row["lab"] == lab]
    counted = [row for row in rows if not row["superseded_by"]] or rows
    row = max(counted, key=lambda row: row["id"])
    result = SubmissionResult.from_json(json.loads(row["result_json"]))
    adjusted = adjust(result, row["overrides"])
    cells = _cells(result)
    runs = {cell.get("cell"): cell for cell in cells}
    code_cells, code_note = [], ""
    try:
        sources = code_sources(row)
        code_cells = [CodeCell(n, source, runs.get(n)) for n, source in enumerate(sources, 1)]
    except NotebookUnreadable as why:
        code_note = str(why)
    autograder_parts = result.part_scores()
    return StudentView(
        row=row,
        others=[other for other in rows if other is not row],
        other_labs=sorted(labs - {lab}),
        result=result,
        adjusted=adjusted,
        status=status_of(row, result),
        checks=[
            CheckView(test, original, hints_in(original.output))
            for test, original in zip(adjusted.result.tests, result.tests, strict=True)
        ],
        parts=[
            (part, score, adjusted.parts.get(part, score), best)
            for part, (score, best) in autograder_parts.items()
        ],
        failed_cells=[cell for cell in cells if cell.get("status") != "ok" or cell.get("notes")],
        code_cells=code_cells,
        code_note=code_note,
        export=gradebook.newest_export_of(subject, lab),
        history=gradebook.history(subject, lab),
        log=[override for override in gradebook.override_log(subject) if override.lab == lab],
        in_force=list(row["overrides"]),
        targets=targets(result) if not row["superseded_by"] else [],
    )


def _cells(result: SubmissionResult) -> list[dict]:
    return [cell for cell in result.extra_data.get("cells") or [] if isinstance(cell, dict)]


def targets(result: SubmissionResult) -> list[Target]:
    """What an override can set, as the override form offers it."""
    found = [Target(TOTAL, "total")]
    found += [Target(f"part:{part}", f"part {part}") for part in result.part_scores()]
    found += [Target(f"check:{test.name}", f"check {test.name}") for test in result.tests]
    return [*found, Target(LATE, "waive the late penalty")]


class NotebookUnreadable(Exception):
    """A notebook's code cells can't be shown; the message says why."""


def code_sources(row: dict) -> list[str]:
    """The text of each code cell of the notebook a gradebook row was graded from, read
    again from its file (or its zip entry) and parsed as JSON: never imported or run."""
    try:
        submission = reload(row)
    except RegradeError as error:
        raise NotebookUnreadable(f"The code can't be shown: {error}.") from None
    if submission.data is None:
        problem = submission.problem or "it could not be read"
        raise NotebookUnreadable(f"The code can't be shown: {problem}.")
    try:
        notebook = json.loads(submission.data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise NotebookUnreadable("The code can't be shown: the file is not JSON.") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotebookUnreadable("The code can't be shown: the notebook has no list of cells.")
    sources = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        sources.append(source if isinstance(source, str) else repr(source))
    return sources
