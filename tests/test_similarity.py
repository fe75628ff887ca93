"""Similar submissions: a notebook copied with its names changed is found beside its
source, notebooks written independently are not, and the report shows both codes side by
side as text, whatever markup a student's code holds (in Chromium too).

The gradebook is filled with hand-made results for real notebook files (the similarity
reads the files again): grading them would add a minute and nothing the comparison reads.
"""

import hashlib
import os
import re
import subprocess
import sys

import nbformat
import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.gradebook import Gradebook
from autograder.labs.tf_intro import LAB
from autograder.submission import Submission
from tests.conftest import CORPUS, ROOT, read_page
from tests.test_class_insights import result

SCRIPT = "<script>window.pwned = 1</script><img src=x onerror='window.pwned = 2'>"
# Another student's Trainer class, every name of their own changed, comments reworded.
RENAMES = {"Trainer": "Stepper", "var": "param", "cost": "loss", "step": "advance",
           "trainer": "stepper", "grads": "gradients"}  # fmt: skip


def renamed_copy(source: str) -> str:
    for old, new in RENAMES.items():
        source = re.sub(rf"\b{old}\b", new, source)
    return re.sub(r"#.*", "# my own words", source).replace(
        '"""Keeps the parameter and its optimizer together."""', '"""Holds both."""'
    )


def notebook_with(name: str, change=None, extra: str | None = None) -> bytes:
    notebook = nbformat.read(CORPUS / "notebooks" / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and change:
            cell.source = change(cell.source)
    if extra:
        notebook.cells.append(nbformat.v4.new_code_cell(extra))
    return nbformat.writes(notebook).encode()


# A helper of their own, long enough to compare, with markup in its comment and string.
HOSTILE_HELPER = f'''
def report_progress(history, every=100):
    """{SCRIPT}"""  # {SCRIPT}
    for index, value in enumerate(history):
        if index % every == 0:
            print(f"step {{index}}: w = {{value:.4f}} {SCRIPT}")
    best = min(history, key=lambda value: abs(value - 5))
    return best, len(history)
'''


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    notebooks = {
        "ada": notebook_with("valid_bound_method"),
        "bob": notebook_with("valid_bound_method", renamed_copy),  # Ada's, renamed
        "cy": notebook_with("valid_plots"),  # written on their own
        "dee": notebook_with("valid_helpers_reach_w"),  # written on their own
        "eve": notebook_with("valid_reference", extra=HOSTILE_HELPER),
        "fay": notebook_with("valid_reference", extra=HOSTILE_HELPER.replace("history", "path")),
    }
    gradebook = folder / "gradebook.sqlite"
    book = Gradebook.open(gradebook)
    run = book.start_run(LAB, "v1", "grade")
    for name, data in notebooks.items():
        path = folder / f"{name}.ipynb"
        path.write_bytes(data)
        entry = Submission(path, name, data, hashlib.sha256(data).hexdigest())
        book.record(run, "v1", entry, result({}), "")
    book.finish_run(run)
    book.close()
    return folder


@pytest.fixture(scope="module")
def page(class_folder):
    out = class_folder / "report"
    arguments = ["report", "--gradebook", str(class_folder / "gradebook.sqlite")]
    completed = CliRunner().invoke(main, [*arguments, "--out", str(out), "--similarity"])
    assert completed.exit_code == 0, completed.output
    return out / "index.html"


def test_a_renamed_copy_is_found_and_independent_work_is_not(page):
    reader = read_page(page.read_text(encoding="utf-8"))
    assert reader.stats["similar:pairs"] == "2"
    text = "".join(reader.text)
    assert "ada and bob:" in text and "eve and fay:" in text
    for independent in ("ada and cy", "cy and dee", "ada and dee", "cy and eve"):
        assert independent not in text
    assert float(reader.stats["similar:0"].rstrip("%")) >= 80


def test_student_code_is_shown_as_text_never_as_markup(page):
    source = page.read_text(encoding="utf-8")
    reader = read_page(source)
    assert "<script" not in source.lower() and "<img src=x" not in source
    assert "script" not in reader.tags and set(reader.images) <= {
        "scores.png", "parts.png", "checks.png", "times.png"
    }  # fmt: skip
    assert SCRIPT in "".join(reader.text)  # shown, readable, as the student wrote it
    assert "mark" in reader.tags  # the shared regions are marked


def test_in_a_browser_no_student_script_runs(page, chromium_browser):
    dialogs = []
    tab = chromium_browser.new_page()
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(page.as_uri(), wait_until="load")
    assert tab.evaluate("window.pwned === undefined") and dialogs == []
    assert SCRIPT in tab.inner_text("body")


def test_earlier_terms_are_a_reference_set(class_folder, tmp_path):
    earlier = tmp_path / "last_year"
    earlier.mkdir()
    (earlier / "kim.ipynb").write_bytes(notebook_with("valid_plots", renamed_copy))
    out = tmp_path / "report"
    arguments = ["report", "--gradebook", str(class_folder / "gradebook.sqlite"), "--out",
                 str(out), "--similarity", "--reference", str(earlier)]  # fmt: skip
    completed = CliRunner().invoke(main, arguments)
    assert completed.exit_code == 0, completed.output
    text = "".join(read_page((out / "index.html").read_text(encoding="utf-8")).text)
    assert "cy and reference: kim" in text or "reference: kim and cy" in text


def test_the_review_page_shows_a_pair_side_by_side_as_text(class_folder):
    from autograder.review.app import create_app

    client = create_app(class_folder / "gradebook.sqlite", "token-0123456789", "me").test_client()
    assert client.get("/?token=token-0123456789").status_code == 303  # the cookie is set
    assert 'href="/similar?lab=tf_intro"' in client.get("/").get_data(as_text=True)
    response = client.get("/similar?lab=tf_intro&threshold=0.6")
    assert response.status_code == 200
    source = response.get_data(as_text=True)
    reader = read_page(source)
    assert reader.stats["similar:pairs"] == "2"
    assert "<script" not in source.lower() and "script" not in reader.tags
    assert SCRIPT in "".join(reader.text) and "mark" in reader.tags
    everything = read_page(client.get("/similar?lab=tf_intro&threshold=0").get_data(as_text=True))
    assert everything.stats["similar:pairs"] == "15"  # every pair of the six


def test_the_same_class_gives_the_same_scores_in_every_process():
    """copydetect hashes with hash(), seeded per process: the grader's fixed hash must win."""
    script = (
        "from autograder.similarity import Code, similar_pairs\n"
        "from tests.test_similarity import notebook_with, renamed_copy\n"
        "from autograder.similarity import notebook_code\n"
        "a = notebook_code(notebook_with('valid_plots'))\n"
        "b = notebook_code(notebook_with('valid_tf_math'))\n"
        "print([round(p.score, 6) for p in similar_pairs([Code('a', a), Code('b', b)], [], 0)])\n"
    )
    scores = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       check=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3")
    }  # fmt: skip
    assert len(scores) == 1 and scores.pop().strip() not in ("", "[]")


def test_the_review_pages_pair_view_runs_no_student_script_in_a_browser(
    class_folder, chromium_browser, tmp_path
):
    from tests.test_review_browser import start_review

    server, url = start_review(class_folder / "gradebook.sqlite", tmp_path / "review.log")
    try:
        tab = chromium_browser.new_page()
        dialogs = []
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.goto(url)  # the token becomes a cookie
        tab.click("text=Similar submissions")
        tab.wait_for_load_state("load")
        assert tab.inner_text("[data-stat='similar:pairs']") == "2"
        assert tab.evaluate("window.pwned === undefined") and dialogs == []
        assert tab.evaluate("document.querySelectorAll('script, img').length") == 0
        assert SCRIPT in tab.inner_text("body") and tab.locator("mark").count() > 0
    finally:
        server.terminate()
        server.wait(timeout=30)
