"""A MOOC-sized class: the review page pages its rows, the class report summarises.

1,200 files, recorded through the gradebook's own API from four hand-made results
(graded in full, failing a check with a hint, not gradable, and a grader failure), each
under a name, path and hash of its own; one file in 40 is an older one, superseded; some
students have a total set by hand. No notebook is graded.
"""

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.gradebook import Gradebook
from autograder.labs.tf_intro import LAB
from autograder.pages.class_report import CAP
from autograder.results import SubmissionResult, TestResult
from autograder.review.app import create_app
from autograder.review.pages import DEFAULT_PER_PAGE, ClassQuery, class_rows
from autograder.submission import Submission
from tests.conftest import read_page

ROWS = 1_200
TOKEN = "large-class-token"
HINT = "Hint: the cost must be computed inside the tape"
FAILING = "train_step"  # the check (one per part) that the second kind of result fails


def result(failing: str = "", *, ungraded: str = "", **extra) -> SubmissionResult:
    tests = [
        TestResult(part, 0.0 if part == failing or ungraded else points, points,
                   "failed" if part == failing or ungraded else "passed",
                   ungraded or (f"w was wrong. {HINT}" if part == failing else ""), tags=[part])
        for part, points in LAB.parts.items()
    ]  # fmt: skip
    flags = {"ungraded": True, **extra} if ungraded else {}
    return SubmissionResult(sum(t.score for t in tests), tests, ungraded, extra_data=flags)


KINDS = [
    result(),
    result(FAILING),
    result(ungraded="Not graded: the file is empty."),
    result(ungraded="Not graded: the grader failed.", grader_failure=True),
]


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("large") / "gradebook.sqlite"
    book = Gradebook.open(path)
    book.connection.execute("PRAGMA synchronous=OFF")  # a throwaway gradebook: no fsync
    run = book.start_run(LAB, "v1", "grade mooc")
    for index in range(ROWS):
        name = f"student_{index:04d}"
        superseded = {"superseded_by": f"student_{index + 1:04d}"} if index % 40 == 39 else {}
        submission = Submission(Path(f"class/{name}.ipynb"), name, None, f"sha-{index}",
                                student=f"canvas:{index}", **superseded)  # fmt: skip
        book.record(run, "v1", submission, KINDS[index % len(KINDS)], "")
    book.finish_run(run)
    for index in range(0, 4 * (CAP + 10), 4):  # more overridden than the report lists
        book.override(f"canvas:{index}", "total", 7.5, reason="by hand", author="test")
    book.close()
    return path


@pytest.fixture(scope="module")
def client(gradebook):
    client = create_app(gradebook, TOKEN, "test").test_client()
    assert client.get(f"/?token={TOKEN}").status_code == 303
    return client


def page_rows(page) -> list[str]:
    names = []
    while f"row:{len(names) + 1}" in page.stats:
        names.append(page.stats[f"row:{len(names) + 1}"])
    return names


def number(page, key: str) -> int:
    return int(page.stats[key].replace(",", ""))


def next_link(source: str) -> str | None:
    found = re.search(r'href="([^"]+)" data-link="next"', source)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, url: str) -> tuple[list[str], list]:
    """Every row, following the next links from url; and each page as read."""
    names, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = read_page(response.text)
        names += page_rows(page)
        pages.append(page)
        url = next_link(response.text)
    return names, pages


def expected(gradebook: Path, **args) -> list[str]:
    """The whole filtered and sorted list, as the page's own query orders it."""
    book = Gradebook.open(gradebook)
    try:
        rows = class_rows(book, LAB.reference)
    finally:
        book.close()
    return [row.name for row in ClassQuery.from_args(args, [LAB.reference]).apply(rows)]


@pytest.mark.parametrize(
    "args",
    [{}, {"sort": "total", "order": "desc"}, {"check": FAILING, "q": "student_1"},
     {"hint": HINT, "sort": "total", "per_page": "25"}, {"status": "superseded"}],
)  # fmt: skip
def test_the_pages_reach_every_row_once_in_order_with_the_filters_and_sort_kept(
    gradebook, client, args
):
    url = "/?" + "&".join(f"{key}={value}" for key, value in args.items())
    names, pages = walk(client, url)
    assert names == expected(gradebook, **args)
    per_page = int(args.get("per_page", DEFAULT_PER_PAGE))
    assert all(len(page_rows(page)) <= per_page for page in pages)
    if len(pages) > 1:
        assert len(pages) == number(pages[0], "pages")
        assert [number(page, "first") for page in pages] == list(range(1, len(names), per_page))
    assert {number(page, "matching") for page in pages} == {len(names)}


def test_the_counts_and_choices_are_the_whole_classs_on_every_page(gradebook, client):
    superseded = ROWS // 40
    failing = len(expected(gradebook, check=FAILING))
    assert failing > DEFAULT_PER_PAGE
    for url in ("/", "/?page=5", f"/?check={FAILING}&page=2"):
        page = read_page(client.get(url).text)
        assert number(page, "scope") == ROWS - superseded
        assert f"{superseded} superseded file(s)" in "".join(page.text)
        assert f"{FAILING} ({failing})" in "".join(page.text)  # the filter's choice


def test_a_link_from_a_later_page_keeps_the_query_and_a_new_sort_starts_at_page_one(client):
    source = client.get(f"/?check={FAILING}&sort=total&order=desc&page=2&per_page=25").text
    links = [dict(parse_qsl(urlsplit(href.replace("&amp;", "&")).query))
             for href in re.findall(r'href="(/\?[^"]*)"', source)]  # fmt: skip
    paging = [link for link in links if "page" in link and link.get("sort") == "total"]
    assert paging and all(
        (link["check"], link["order"], link["per_page"]) == (FAILING, "desc", "25")
        for link in paging
    )
    by_name = [link for link in links if link.get("sort") is None and link.get("check")]
    assert by_name and all("page" not in link for link in by_name)  # re-sorted: page 1


@pytest.mark.parametrize(
    ("page", "shown"),
    [("9999", "last"), ("0", 1), ("-3", 1), ("abc", 1), ("2.5", 1), ("²", 1), ("", 1)],
)
def test_a_page_out_of_range_shows_the_last_and_bad_input_the_first(client, page, shown):
    response = client.get(f"/?page={page}&per_page=oops")
    assert response.status_code == 200
    read = read_page(response.text)
    last = number(read, "pages")
    assert number(read, "page") == (last if shown == "last" else shown)
    assert len(page_rows(read)) <= DEFAULT_PER_PAGE


def report_html(gradebook: Path, out: Path) -> str:
    completed = CliRunner().invoke(main, ["report", "--gradebook", str(gradebook), "--out",
                                          str(out)])  # fmt: skip
    assert completed.exit_code == 0, completed.output
    return (out / "index.html").read_text(encoding="utf-8")


def test_the_report_summarises_long_tables_and_still_counts_every_row(gradebook, tmp_path):
    source = report_html(gradebook, tmp_path / "report")
    tables = re.findall(r"<table>.*?</table>", source, re.DOTALL)
    assert tables and max(table.count("<tr>") - 1 for table in tables) <= CAP
    page = read_page(source)
    superseded = ROWS // 40
    counted = ROWS - superseded
    assert number(page, "count:all") == ROWS
    assert number(page, "count:superseded") == superseded
    for status in ("not gradable", "grader failure"):
        total = number(page, f"to-act:{status}")
        assert total == number(page, f"count:{status}") and total > CAP
        assert number(page, f"more:{status}") == total - CAP
    assert number(page, "overridden") == CAP + 10
    assert number(page, "more:overridden") == 10
    graded = number(page, "count:graded")
    assert graded + number(page, "count:not gradable") + number(page, "count:grader failure") \
        == counted  # fmt: skip
    assert number(page, f"checked:{FAILING}") == graded
    listed = [key for key in page.stats if key.startswith("score:class/")]
    assert len(listed) == 2 * CAP  # the not gradable and the grader failures: not every file
