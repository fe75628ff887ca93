"""The review web app: who may use it, what it shows, and overrides made from it.

The gradebook is filled through its own API with hand-made results (grading real
notebooks adds minutes and nothing the app reads), but the notebooks are real files on
disk, so the student page reads their code back as the app does. The class: Ada, whose
minimize check fails with a hint and whose second cell raised; Bob, two days late,
failing a train_step check with another hint; a file whose name, code and check message
are hostile HTML; Carol's file that was not gradable (and is gone from disk); Dan's file
the grader failed on; Erin's two files, the older superseded.
"""

import http.cookiejar
import json
import re
import shutil
import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.exports.options import ExportOptions
from autograder.exports.run import export
from autograder.gradebook import Gradebook
from autograder.labs.tf_intro import LAB
from autograder.late import parse_policy
from autograder.results import SubmissionResult, TestResult
from autograder.review.app import CSP, create_app
from autograder.review.server import review_server, served_hosts
from autograder.roster import load_roster
from autograder.submission import Submission
from tests.conftest import notebook_bytes, read_page

TOKEN = "test-token-0123456789"
AUTHOR = "Prof. Page"  # who `autograder review --by` names
SECOND = "T. A. Second"  # who the form names instead

GRADIENT = "train_step: the gradient is 2w - 10"
CONVERGES = "train_step: w converges to 5"
LISTED = "trainable_variables: a list holding w"
MINIMIZE = "minimize: training returns w near 5"
CHECKS = [(GRADIENT, "train_step", 2.0), (CONVERGES, "train_step", 2.0),
          (LISTED, "trainable_variables", 2.0), (MINIMIZE, "minimize", 4.0)]  # fmt: skip

TAPE_HINT = "Hint: the cost must be computed inside the tape"
STEPS_HINT = "Hint: run 1000 steps, not 10"
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
MESSAGE_IMAGE = "<img src=y onerror=alert(2)>"

ROSTER = """id,name,email,canvas_id
S1,Ada Lovelace,ada@uni.edu,101
S2,Bob Boole,bob@uni.edu,102
"""


def result(failing: dict[str, str], cells: list[dict] | None = None) -> SubmissionResult:
    tests = [
        TestResult(name, 0.0 if name in failing else points, points,
                   "failed" if name in failing else "passed", failing.get(name, ""), tags=[part])
        for name, part, points in CHECKS
    ]  # fmt: skip
    score = sum(test.score for test in tests)
    return SubmissionResult(score, tests, "Ran 3 code cells.", extra_data={"cells": cells or []})


def ungraded(reason: str, **extra) -> SubmissionResult:
    tests = [TestResult(f"{part}: not graded", 0.0, points, "failed", reason, tags=[part])
             for part, points in LAB.parts.items()]  # fmt: skip
    return SubmissionResult(0.0, tests, reason, extra_data={"ungraded": True, **extra})


def on_disk(path: Path, name: str, data: bytes, **fields) -> Submission:
    """A notebook written where intake found it: the review page reads it back."""
    import hashlib

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Submission(path, name, data, hashlib.sha256(data).hexdigest(), **fields)


ADA_CELLS = [
    {"cell": 1, "status": "ok", "error": None, "notes": []},
    {"cell": 2, "status": "error", "notes": [],
     "error": {"type": "NameError", "message": "name 'cost' is not defined",
               "where": "code cell 2, line 1, in <module>"}},
]  # fmt: skip


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> Path:
    """The class's gradebook (folder/gradebook.sqlite), exported once with a late policy."""
    folder = tmp_path_factory.mktemp("review")
    files = folder / "class"
    book = Gradebook.open(folder / "gradebook.sqlite")
    run = book.start_run(LAB, "v1", "grade class")
    records = [
        (on_disk(files / "ada.ipynb", "ada", notebook_bytes("w = 0", "print(cost)", "x = 1"),
                 student="canvas:101"),
         result({MINIMIZE: f"w ended at 4.2, not 5. {STEPS_HINT}"}, ADA_CELLS)),
        (on_disk(files / "bob.ipynb", "bob", notebook_bytes("w = 1"), student="canvas:102",
                 submitted_at="2026-12-03T10:00:00-05:00"),
         result({GRADIENT: f"tape.gradient returned None. {TAPE_HINT}"})),
        (on_disk(files / f"{IMAGE}.ipynb", IMAGE, notebook_bytes(f'print("{SCRIPT}")')),
         result({LISTED: f"trainable_variables printed {MESSAGE_IMAGE}"})),
        (Submission(files / "carol.ipynb", "carol", None, "sha-carol"),
         ungraded("Not graded: the file is empty.")),
        (on_disk(files / "dan.ipynb", "dan", notebook_bytes("x = 1")),
         ungraded("Not graded: the grader failed on this submission.", grader_failure=True)),
        (on_disk(files / "erin_old.ipynb", "erin_old", notebook_bytes("x = 0"),
                 student="canvas:105", superseded_by="erin"), ungraded("Not graded: superseded")),
        (on_disk(files / "erin.ipynb", "erin", notebook_bytes("x = 2"), student="canvas:105"),
         result({})),
    ]  # fmt: skip
    for submission, graded in records:
        book.record(run, "v1", submission, graded, "")
    book.finish_run(run)
    (folder / "roster.csv").write_text(ROSTER)
    policy = parse_policy("2026-12-01T23:59", "America/New_York", "0", "10%", None)
    export("csv", book, load_roster(folder / "roster.csv"), LAB.parts, folder / "grades.csv",
           ExportOptions("Lab 1"), policy=policy)  # fmt: skip
    book.close()
    return folder


@pytest.fixture
def gradebook(class_folder, tmp_path) -> Path:
    """A copy of the class's gradebook for a test that writes to it."""
    path = tmp_path / "gradebook.sqlite"
    shutil.copy(class_folder / "gradebook.sqlite", path)
    return path


def client_for(path: Path, *, login: bool = True):
    client = create_app(path, TOKEN, AUTHOR).test_client()
    if login:
        assert client.get(f"/?token={TOKEN}").status_code == 303
    return client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def overrides(path: Path) -> list[dict]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    rows = [dict(row) for row in connection.execute("SELECT * FROM overrides ORDER BY id")]
    connection.close()
    return rows


def student_url(subject: str, **extra) -> str:
    return "/student?" + urllib.parse.urlencode({"subject": subject, **extra})


# ---- access ---------------------------------------------------------------------------------


def test_without_the_token_every_route_is_refused(gradebook):
    client = client_for(gradebook, login=False)
    real = client_for(gradebook)
    csrf = csrf_of(real.get(student_url("canvas:101")).text)
    form = {"csrf": csrf, "subject": "canvas:101", "target": "total", "score": "1",
            "reason": "r", "action": "set"}  # fmt: skip
    responses = [
        client.get("/"),
        client.get(student_url("canvas:101")),
        client.get("/no-such-page"),
        client.post("/override", data=form),
        client.get("/?token=wrong-token"),
        client.get("/", headers={"Cookie": "autograder_review_x=" + TOKEN}),  # not its cookie
    ]
    assert [response.status_code for response in responses] == [403] * len(responses)
    assert all("Refused" in response.text for response in responses)
    assert all(response.headers["Content-Security-Policy"] == CSP for response in responses)
    assert overrides(gradebook) == []


def test_the_token_becomes_a_cookie_and_leaves_the_address(gradebook):
    client = client_for(gradebook, login=False)
    first = client.get(f"/?check={urllib.parse.quote(GRADIENT)}&token={TOKEN}")
    assert first.status_code == 303
    assert first.headers["Location"] == f"/?check={urllib.parse.quote_plus(GRADIENT)}"
    cookie = first.headers["Set-Cookie"]
    assert TOKEN in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    for url in ("/", student_url("canvas:101"), student_url(str(gradebook))):
        response = client.get(url)
        assert response.status_code == (404 if url.endswith("sqlite") else 200), url
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"


def test_a_host_other_than_the_address_served_is_refused(gradebook):
    client = client_for(gradebook)
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 403
    assert client.get(f"/?token={TOKEN}", headers={"Host": "attacker.example"}).status_code == 403


def test_a_post_without_the_forms_token_changes_nothing(gradebook):
    client = client_for(gradebook)
    csrf = csrf_of(client.get(student_url("canvas:101")).text)
    form = {"subject": "canvas:101", "target": "total", "score": "7", "reason": "r",
            "action": "set"}  # fmt: skip
    assert client.post("/override", data=form).status_code == 403
    assert client.post("/override", data={**form, "csrf": "0" * 64}).status_code == 403
    elsewhere = client.post(
        "/override", data={**form, "csrf": csrf}, headers={"Origin": "http://attacker.example"}
    )
    assert elsewhere.status_code == 403
    assert client.get("/override", query_string={**form, "csrf": csrf}).status_code == 405
    assert overrides(gradebook) == []
    # A browser sends "Origin: null" from the app's own page under Referrer-Policy no-referrer
    ours = client.post("/override", data={**form, "csrf": csrf}, headers={"Origin": "null"})
    assert ours.status_code == 303
    assert len(overrides(gradebook)) == 1  # the same form with its token is recorded


# ---- overrides ------------------------------------------------------------------------------


def test_an_override_from_the_page_is_recorded_as_the_cli_records_it(gradebook, tmp_path):
    by_cli = tmp_path / "cli.sqlite"
    shutil.copy(gradebook, by_cli)
    steps = [
        ({"subject": "canvas:101", "target": "part:train_step", "score": "3.5",
          "reason": "Right idea <b>, one sign off", "private": "on"},
         ["canvas:101", "--part", "train_step", "--score", "3.5", "--reason",
          "Right idea <b>, one sign off", "--private"]),
        ({"subject": "canvas:101", "target": f"check:{MINIMIZE}", "score": "4",
          "reason": "converges with 2000 steps"},
         ["canvas:101", "--check", MINIMIZE, "--score", "4", "--reason",
          "converges with 2000 steps"]),
        ({"subject": "canvas:102", "target": "late", "reason": "medical note"},
         ["canvas:102", "--late", "waive", "--reason", "medical note"]),
        ({"subject": "canvas:101", "target": "part:train_step", "action": "remove",
          "reason": "regraded by hand"},
         ["canvas:101", "--part", "train_step", "--remove", "--reason", "regraded by hand"]),
        ({"subject": f"{tmp_path.parent}/none", "target": "total", "score": "1", "reason": "x"},
         None),  # refused on both sides: nobody is named so
        ({"subject": "canvas:102", "target": "total", "score": "9.25", "reason": "fair"},
         ["canvas:102", "--total", "--score", "9.25", "--reason", "fair"]),
    ]  # fmt: skip
    client = client_for(gradebook)
    csrf = csrf_of(client.get(student_url("canvas:101")).text)
    for form, arguments in steps:
        response = client.post("/override", data={"csrf": csrf, "by": SECOND, **form})
        assert response.status_code == (303 if arguments else 400), response.text
        if arguments:
            made = CliRunner().invoke(
                main, ["override", *arguments, "--gradebook", str(by_cli), "--by", SECOND]
            )
            assert made.exit_code == 0, made.output
            page = client.get(response.headers["Location"])
            notice = read_page(page.text).stats["notice"]
            assert notice == "Recorded: " + made.output.strip()  # describe_override's line

    def comparable(path):
        return [{k: v for k, v in row.items() if k not in ("id", "created_at")}
                for row in overrides(path)]  # fmt: skip

    assert len(comparable(gradebook)) == 5
    assert comparable(gradebook) == comparable(by_cli)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"target": "part:train_step", "score": "5"}, "worth 0 to 4 points, not 5"),
        ({"target": "total", "score": "ten"}, "the score must be a number, not 'ten'"),
        ({"target": "total", "score": "nan"}, "the total is 0 to 10 points, not nan"),
        ({"target": "total", "score": ""}, "give the score to set"),
        ({"target": "total", "score": "5", "reason": "  "}, "a reason is required"),
        ({"target": "bonus", "score": "1"}, "'bonus' is not something an override can set"),
        ({"target": "total", "action": "remove"}, "has no override of total to remove"),
    ],
)
def test_an_invalid_override_is_a_400_with_the_message_and_records_nothing(
    gradebook, form, message
):
    client = client_for(gradebook)
    csrf = csrf_of(client.get(student_url("canvas:102")).text)
    data = {"csrf": csrf, "subject": "canvas:102", "reason": "<i>because</i>", **form}
    response = client.post("/override", data=data)
    assert response.status_code == 400
    shown = read_page(response.text)
    assert message in shown.stats["error"]
    assert shown.stats["name"] == "bob"  # the student's page again, the form as it was filled
    if "reason" not in form:
        assert 'value="&lt;i&gt;because&lt;/i&gt;"' in response.text  # as typed, as text
    assert overrides(gradebook) == []


def test_two_overrides_at_once_are_both_kept_each_with_the_score_it_replaced(gradebook):
    server, url = review_server(gradebook, port=0, author=AUTHOR)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        base = url.split("/?")[0]
        assert opener.open(url).status == 200  # the token, then the page without it
        csrf = csrf_of(opener.open(base + student_url("canvas:105")).read().decode())
        start = threading.Barrier(2)
        failures = []

        def post(scores):
            start.wait()
            for score in scores:
                form = {
                    "csrf": csrf,
                    "subject": "canvas:105",
                    "target": "total",
                    "score": str(score),
                    "reason": f"set to {score}",
                    "action": "set",
                }
                try:
                    opener.open(base + "/override", urllib.parse.urlencode(form).encode())
                except urllib.error.HTTPError as error:  # pragma: no cover - the failure shown
                    failures.append(f"{error.code} {error.read()[:300]!r}")  # fmt: skip

        threads = [threading.Thread(target=post, args=(scores,))
                   for scores in ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.shutdown()
        server.server_close()
    assert failures == []
    log = overrides(gradebook)
    assert sorted(row["new_score"] for row in log) == list(range(1, 11))
    # Each replaced the one recorded just before it: none read a score another then changed
    assert [row["old_score"] for row in log] == [10.0] + [row["new_score"] for row in log[:-1]]


def test_a_student_graded_in_two_labs_is_reviewed_and_overridden_one_lab_at_a_time(gradebook):
    from autograder.lab import get_lab

    network = get_lab("tf_network")
    book = Gradebook.open(gradebook)
    run = book.start_run(network, "n1", "grade network")
    tests = [TestResult(part, points, points, "passed", tags=[part])
             for part, points in network.parts.items()]  # fmt: skip
    ada = Submission(Path("network/ada.ipynb"), "ada_network", None, "sha-n", student="canvas:101")
    book.record(run, "n1", ada, SubmissionResult(network.max_score, tests), "")
    book.close()
    client = client_for(gradebook)
    assert shown_rows(client) == ["ada_network"]  # the lab graded last
    assert len(shown_rows(client, lab=LAB.reference)) == 6
    page = client.get(student_url("canvas:101", lab=LAB.reference))
    assert read_page(page.text).stats["lab"] == LAB.reference
    assert read_page(client.get(student_url("canvas:101")).text).stats["lab"] == network.name
    by_cli = gradebook.with_name("cli.sqlite")
    shutil.copy(gradebook, by_cli)
    form = {"csrf": csrf_of(page.text), "subject": "canvas:101", "lab": LAB.reference,
            "target": "total", "score": "3", "reason": "r", "by": AUTHOR}  # fmt: skip
    assert client.post("/override", data=form).status_code == 303
    made = CliRunner().invoke(main, ["override", "canvas:101", "--total", "--score", "3",
                                     "--reason", "r", "--lab", LAB.reference, "--by", AUTHOR,
                                     "--gradebook", str(by_cli)])  # fmt: skip
    assert made.exit_code == 0, made.output
    (row,) = overrides(gradebook)
    assert row["lab"] == LAB.reference
    assert {**row, "created_at": ""} == {**overrides(by_cli)[0], "created_at": ""}
    network_page = read_page(client.get(student_url("canvas:101", lab=network.name)).text)
    assert "log:1" not in network_page.stats  # the other lab's override is not this lab's


# ---- the class page ------------------------------------------------------------------------


def shown_rows(client, **query) -> list[str]:
    page = read_page(client.get("/", query_string=query).text)
    names = []
    while f"row:{len(names) + 1}" in page.stats:
        names.append(page.stats[f"row:{len(names) + 1}"])
    assert page.stats["shown"] == str(len(names))
    return names


def test_the_class_page_filters_and_sorts_on_the_server(class_folder):
    client = client_for(class_folder / "gradebook.sqlite")
    everyone = shown_rows(client)
    assert everyone == sorted(["ada", "bob", IMAGE, "carol", "dan", "erin"], key=str.lower)
    page = read_page(client.get("/").text)
    assert page.stats["scope"] == "6"  # erin_old is superseded: it doesn't count
    assert shown_rows(client, check=GRADIENT) == ["bob"]
    assert shown_rows(client, check=MINIMIZE) == ["ada"]
    assert shown_rows(client, hint=TAPE_HINT) == ["bob"]
    assert shown_rows(client, hint="run 1000 steps") == ["ada"]
    assert shown_rows(client, q="CANVAS:10") == ["ada", "bob", "erin"]
    assert shown_rows(client, status="not gradable") == ["carol"]
    assert shown_rows(client, status="grader failure") == ["dan"]
    assert shown_rows(client, status="superseded") == ["erin_old"]
    assert shown_rows(client, check=GRADIENT, q="ada") == []
    # ties keep the name order; ascending and descending
    assert shown_rows(client, sort="total", order="desc") == ["erin", IMAGE, "bob", "ada",
                                                               "carol", "dan"]  # fmt: skip
    assert shown_rows(client, sort="total") == ["carol", "dan", "ada", IMAGE, "bob", "erin"]
    assert shown_rows(client, sort="part:train_step") == ["carol", "dan", "bob", IMAGE, "ada",
                                                           "erin"]  # fmt: skip
    assert shown_rows(client, order="desc") == list(reversed(everyone))
    text = "".join(page.text)
    assert f"{GRADIENT} (1)" in text and f"{TAPE_HINT} (1)" in text  # the filters' choices


def test_the_class_page_shows_scores_as_overridden(gradebook):
    client = client_for(gradebook)
    csrf = csrf_of(client.get(student_url("canvas:102")).text)
    form = {"csrf": csrf, "subject": "canvas:102", "target": "part:train_step", "score": "4",
            "reason": "fine"}  # fmt: skip
    assert client.post("/override", data=form).status_code == 303
    page = read_page(client.get("/", query_string={"q": "bob"}).text)
    assert (page.stats["part:train_step:1"], page.stats["total:1"]) == ("4", "10")
    assert "✎ 1" in "".join(page.text)
    assert shown_rows(client, sort="total", order="desc")[:2] == ["bob", "erin"]


# ---- one student ---------------------------------------------------------------------------


def test_the_student_page_shows_code_checks_failed_cells_late_penalty_and_history(class_folder):
    client = client_for(class_folder / "gradebook.sqlite")
    ada = client.get(student_url("canvas:101"))
    page = read_page(ada.text)
    text = "".join(page.text)
    assert (page.stats["cell:1"], page.stats["cell:2"], page.stats["cell:3"]) == (
        "w = 0", "print(cost)", "x = 1")  # fmt: skip
    assert "Code cell 2: error" in text and "NameError: name 'cost' is not defined" in text
    assert f"w ended at 4.2, not 5. {STEPS_HINT}" in text  # the check's message
    assert page.stats[f"hint:{MINIMIZE}"] == STEPS_HINT  # and its hint, set apart
    assert page.stats[f"check:{MINIMIZE}"] == "0" and page.stats["total"] == "6"
    history = [page.stats[f"history:{n}"] for n in (1, 2) if f"history:{n}" in page.stats]
    assert history == ["graded", "exported"] and "history:3" not in page.stats
    connection = sqlite3.connect(class_folder / "gradebook.sqlite")
    raw, penalty, final = connection.execute(
        "SELECT raw, penalty, final FROM exported_grades g JOIN submissions s"
        " ON s.id = g.submission_id WHERE s.name = 'bob'"
    ).fetchone()
    connection.close()
    bob = read_page(client.get(student_url("canvas:102")).text)
    assert penalty > 0  # two days late at 10% a day
    assert (bob.stats["export:raw"], bob.stats["export:penalty"], bob.stats["export:final"]) == (
        f"{raw:g}", f"{penalty:g}", f"{final:g}")  # fmt: skip
    assert bob.stats["submitted_at"] == "2026-12-03T10:00:00-05:00"


def test_a_file_that_is_gone_or_changed_is_named_instead_of_its_code(class_folder, tmp_path):
    client = client_for(class_folder / "gradebook.sqlite")
    carol = read_page(client.get(student_url(str(class_folder / "class" / "carol.ipynb"))).text)
    assert "is no longer there" in carol.stats["code-note"]
    dan_file = class_folder / "class" / "dan.ipynb"
    original = dan_file.read_bytes()
    dan_file.write_bytes(notebook_bytes("x = 'changed since'"))
    try:
        dan = read_page(client.get(student_url(str(dan_file))).text)
    finally:
        dan_file.write_bytes(original)
    assert "has changed since it was graded" in dan.stats["code-note"]
    assert not any(key.startswith("cell:") for key in dan.stats)


def test_student_controlled_text_is_shown_as_text_never_as_markup(class_folder):
    client = client_for(class_folder / "gradebook.sqlite")
    hostile = str(class_folder / "class" / f"{IMAGE}.ipynb")
    for response in (client.get("/"), client.get(student_url(hostile))):
        assert response.status_code == 200
        source = response.text
        assert "<script" not in source.lower() and "<img" not in source.lower()
        reader = read_page(source)
        assert {"script", "img"}.isdisjoint(reader.tags)
        assert IMAGE in "".join(reader.text)  # the file's name, readable
    page = read_page(client.get(student_url(hostile)).text)
    assert page.stats["cell:1"] == f'print("{SCRIPT}")'
    assert page.stats["file"] == f"{IMAGE}.ipynb"
    assert f"trainable_variables printed {MESSAGE_IMAGE}" in "".join(page.text)


def test_the_server_answers_only_to_the_names_of_the_address_it_listens_on():
    assert served_hosts("127.0.0.1", 8123) == ("127.0.0.1:8123", "localhost:8123")
    assert served_hosts("::1", 8123) == ("127.0.0.1:8123", "[::1]:8123", "localhost:8123")
    assert served_hosts("192.0.2.7", 80) == ("192.0.2.7:80",)


def test_a_gradebook_without_graded_submissions_is_not_served(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    Gradebook.open(path).close()
    with pytest.raises(click.ClickException, match="has no graded submissions") as refused:
        server, _ = review_server(path, port=0, author=AUTHOR)
        server.server_close()  # pragma: no cover - served anyway: the failure shown
    assert refused.value.exit_code == 1  # `autograder review` ends with the message


def test_results_are_read_back_as_recorded(class_folder):
    """The fixture itself: the rows the tests above reason about are in the gradebook."""
    book = Gradebook.open(class_folder / "gradebook.sqlite")
    try:
        rows = {row["name"]: row for row in book.current_submissions()}
    finally:
        book.close()
    assert set(rows) == {"ada", "bob", IMAGE, "carol", "dan", "erin_old", "erin"}
    assert json.loads(rows["ada"]["result_json"])["score"] == 6
