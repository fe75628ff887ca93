"""The review page in a real browser, served by the real command over real graded notebooks.

Three students hand in a folder each (named after their roster id): Ada the reference
solution, Bob the scaled cost (one train_step check fails), and Eve a notebook whose file
name, code and exception message are HTML meant to run script in the page. The
instructor filters the class by Bob's failing check, overrides his part from the form,
and exports to Canvas; Eve's page runs nothing.

Set AUTOGRADER_WRITE_DOCS=1 to write the screenshot in docs/review.png as well.
"""

import csv
import io
import json
import os
import re
import selectors
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, grade_folder

EXAMPLES = ROOT / "examples" / "submissions"
FAILING_CHECK = "train_step: the gradient handed to the optimizer is dJ/dw = 2w − 10 at every step"
HOSTILE_NAME = "<img src=x onerror=document.title='pwned'>"
HOSTILE_PRINT = "<script>document.title='pwned'</script>"
REASON = "The scaled cost still trains w to 5: the gradient's scale is a slip, not a concept"
AUTHOR = "Prof Browser"
ROSTER = """id,name,email,canvas_id
ada,Ada Lovelace,ada@uni.edu,201
bob,Bob Boole,bob@uni.edu,202
eve,Eve Hostile,eve@uni.edu,203
"""


def hostile_notebook() -> str:
    """The reference solution with two more cells: one prints a script tag, one raises
    with an image tag whose onerror would retitle the page."""
    notebook = json.loads((EXAMPLES / "valid_reference.ipynb").read_text(encoding="utf-8"))
    extra = [
        f'print("{HOSTILE_PRINT}")',
        f'raise ValueError("{HOSTILE_NAME}")',
    ]
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": source} for source in extra]  # fmt: skip
    notebook["cells"] = notebook["cells"][:4] + cells + notebook["cells"][4:]
    for cell in notebook["cells"]:
        cell.pop("id", None)
    notebook["nbformat_minor"] = 4
    return json.dumps(notebook)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("review_browser")
    for student, example in (("ada", "valid_reference"), ("bob", "mistake_scaled_cost")):
        (folder / "class" / student).mkdir(parents=True)
        (folder / "class" / student / "tf_intro.ipynb").write_bytes(
            (EXAMPLES / f"{example}.ipynb").read_bytes()
        )
    (folder / "class" / "eve").mkdir()
    (folder / "class" / "eve" / f"{HOSTILE_NAME}.ipynb").write_text(hostile_notebook())
    results = grade_folder(folder / "class", folder / "out", "--workers", "2")
    assert {stem: result["score"] for stem, result in results.items()} == {
        "ada__tf_intro": 10.0,
        "bob__tf_intro": 9.0,
        HOSTILE_NAME: 10.0,
    }
    (folder / "roster.csv").write_text(ROSTER)
    return folder


def start_review(gradebook: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """`autograder review` as the instructor starts it; the URL it prints. Its request log
    (stderr) goes to `log`: a pipe nobody reads would fill and stop the server."""
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "autograder.cli", "review", "--gradebook", str(gradebook),
             "--port", "0", "--by", AUTHOR],
            stdout=subprocess.PIPE, stderr=errors, text=True,
        )  # fmt: skip
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    printed = ""
    while time.monotonic() < deadline and process.poll() is None:
        if selector.select(timeout=1):
            line = process.stdout.readline()
            printed += line
            found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line)
            if found:
                return process, found.group(0)
    process.kill()
    raise AssertionError(f"no URL printed: {printed!r} {log.read_text()!r}")


def write_screenshot(page, path: Path) -> None:
    """The whole page, 1200 px wide, in a palette of 64 colours: text and tables stay
    sharp, and the file stays small enough for the README."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    palette = image.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    palette.save(path, optimize=True)
    assert image.width == 1200 and path.stat().st_size < 300_000


def shown_names(page) -> list[str]:
    return page.locator("td[data-stat^='row:']").all_inner_texts()


def test_the_instructor_reviews_overrides_and_exports_and_no_student_script_runs(
    graded_class, chromium_browser, tmp_path
):
    gradebook = graded_class / "out" / "gradebook.sqlite"
    log = tmp_path / "review.log"
    server, url = start_review(gradebook, log)
    base = url.split("/?")[0]
    try:
        page = chromium_browser.new_page(viewport={"width": 1200, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        page.goto(url)
        assert page.url == base + "/"  # the token went into a cookie, out of the address bar
        assert sorted(shown_names(page)) == sorted(["ada__tf_intro", "bob__tf_intro",
                                                    HOSTILE_NAME])  # fmt: skip

        page.select_option("select[name=check]", FAILING_CHECK)
        page.click("button:has-text('Show')")
        assert shown_names(page) == ["bob__tf_intro"]

        page.click("text=bob__tf_intro")
        page.select_option("select[name=target]", "part:train_step")
        page.fill("input[name=score]", "4")
        page.fill("form.override input[name=reason]", REASON)
        assert page.input_value("form.override input[name=by]") == AUTHOR
        page.click("button:has-text('Record the override')")
        notice = page.inner_text("[data-stat=notice]")
        assert "part train_step 3 -> 4 (autograder: 3), by Prof Browser" in notice
        assert page.inner_text("[data-stat=total]") == "10"
        if os.environ.get("AUTOGRADER_WRITE_DOCS") == "1":
            write_screenshot(page, ROOT / "docs" / "review.png")

        connection = sqlite3.connect(gradebook)
        rows = connection.execute(
            "SELECT subject, target, new_score, reason, author FROM overrides"
        ).fetchall()
        connection.close()
        bob_file = str(graded_class / "class" / "bob" / "tf_intro.ipynb")
        assert rows == [(bob_file, "part:train_step", 4.0, REASON, AUTHOR)]

        canvas = tmp_path / "canvas.csv"
        exported = subprocess.run(
            [sys.executable, "-m", "autograder.cli", "export", "canvas", "--gradebook",
             str(gradebook), "--roster", str(graded_class / "roster.csv"), "--assignment-id",
             "1", "--out", str(canvas)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert exported.returncode == 0, exported.stderr + exported.stdout
        with canvas.open(newline="", encoding="utf-8") as file:
            grades = {row["ID"]: row["TensorFlow lab (1)"] for row in csv.DictReader(file)}
        assert (grades["202"], grades["201"], grades["203"]) == ("10", "10", "10")

        page.goto(base + "/")
        page.click(f"text={HOSTILE_NAME}")
        assert page.locator("h1").inner_text() == HOSTILE_NAME
        page.wait_for_load_state("load")  # an image's onerror runs before the load event
        assert dialogs == []
        assert page.title() == f"{HOSTILE_NAME} · autograder review"  # not retitled "pwned"
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        assert page.evaluate("document.querySelectorAll('img, [onerror]').length") == 0
        text = page.inner_text("body")
        assert f'print("{HOSTILE_PRINT}")' in text  # the code, as text
        assert f"ValueError: {HOSTILE_NAME}" in text  # the failed cell's error, as text

        for path in ("/", "/student?subject=" + urllib.parse.quote(bob_file)):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path)  # no token, no cookie
            assert refused.value.code == 403
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = log.read_text()
    assert '"POST /override" 303' in logged and url.split("token=")[1] not in logged
