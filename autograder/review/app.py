"""The review web app: the class, one student's work, and overrides made from the page.

Who may use it: whoever holds the token `autograder review` printed. The token comes once
in the URL; the answer sets it as an HttpOnly, SameSite=Strict cookie and sends the
browser to the same page without it, so it stays out of the address bar and the history.
Every other request needs the cookie (or the token) and a Host header naming the address
served, so a page elsewhere that rebinds its own name to 127.0.0.1 gets nothing. Changes
are POST only, with a form field that only the app's own pages carry (CSRF).

What it shows: everything a student controls (file names, code, messages) goes through
Jinja2's autoescaping as text; the pages have no scripts, and the Content-Security-Policy
would block any that slipped in. The gradebook is the only store: each request opens it
and closes it again (SQLite connections belong to one thread), and the gradebook itself
serialises two overrides made at once.
"""

import hashlib
import hmac
import math
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from autograder.gradebook import STATUSES, Gradebook
from autograder.lab import LabError
from autograder.overrides import LATE, TOTAL, OverrideError, describe_override
from autograder.review.pages import (
    PER_PAGE,
    ClassQuery,
    check_choices,
    class_rows,
    hint_choices,
    part_maxima,
    student_view,
)
from autograder.similarity import DEFAULT_THRESHOLD, SimilarPair, compare_class, marked

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
MAX_FORM_BYTES = 64 * 1024  # an override form is a few hundred bytes


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def create_app(
    gradebook_path: Path, token: str, author: str, *, hosts: tuple[str, ...] = LOOPBACK_NAMES
) -> Flask:
    """The app for one gradebook. `hosts`: the Host headers it answers (name:port, as a
    browser sends them; the server passes the address it listens on)."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES
    allowed_hosts = {host.lower() for host in hosts}
    origins = {f"http://{host}" for host in allowed_hosts}
    # Derived, not stored: the same for every page of this server, useless without the token
    csrf = hmac.new(token.encode(), b"autograder review form", hashlib.sha256).hexdigest()
    # Cookies are shared by every port of a host: a name of its own per server keeps two
    # review pages (two gradebooks) from replacing each other's.
    cookie = "autograder_review_" + hashlib.sha256(token.encode()).hexdigest()[:12]

    def refuse(why: str):
        return render_template("refused.html", why=why), 403

    @app.before_request
    def guard():
        if request.host.lower() not in allowed_hosts:
            return refuse("this server answers only at the address it printed")
        given = request.args.get("token")
        if given is not None and _same(given, token):
            if request.method == "GET":
                kept = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
                response = redirect(request.path + ("?" + urlencode(kept) if kept else ""), 303)
                response.set_cookie(cookie, token, httponly=True, samesite="Strict")
                return response
        elif not _same(request.cookies.get(cookie, ""), token):
            return refuse("open the URL that `autograder review` printed: it holds the token")
        if request.method not in ("GET", "HEAD"):
            # With no-referrer, a browser sends "Origin: null" from the app's own forms: only
            # another site named is refused here; the form's token is what proves it is ours.
            origin = request.headers.get("Origin", "null")
            if origin != "null" and origin.lower() not in origins:
                return refuse("the form was sent from another site")
            if not _same(request.form.get("csrf", ""), csrf):
                return refuse("the form is not one of this server's pages: reload it and retry")
        return None

    @app.after_request
    def headers(response):
        response.headers.update(HEADERS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_template("error.html", message=error.description), error.code

    def gradebook() -> Gradebook:
        if "gradebook" not in g:
            g.gradebook = Gradebook.open(gradebook_path)
        return g.gradebook

    @app.teardown_appcontext
    def close(_error) -> None:
        book = g.pop("gradebook", None)
        if book is not None:
            book.close()

    @app.context_processor
    def common():
        return {"csrf": csrf, "author": author, "gradebook_name": Path(gradebook_path).name}

    @app.template_filter("points")
    def points(value) -> str:
        return "–" if value is None else f"{float(value):g}"

    @app.template_filter("count")
    def count(value: int) -> str:
        return f"{value:,}"  # 9,874: a MOOC's class is read at a glance

    @app.get("/")
    def class_view():
        labs = gradebook().graded_labs()
        query = ClassQuery.from_args(request.args, labs)
        rows = class_rows(gradebook(), query.lab)
        counted = [row for row in rows if row.status != "superseded"]
        # Filtered and sorted over the whole class, then cut to a page; the counts and
        # the filters' choices stay the whole class's.
        page = query.page_of(query.apply(rows))
        return render_template(
            "class.html",
            labs=labs,
            query=query,
            page=page,
            rows=page.rows,
            per_page_choices=PER_PAGE,
            scope=len(rows) - len(counted) if query.status == "superseded" else len(counted),
            superseded=len(rows) - len(counted),
            parts=part_maxima(rows),
            checks=check_choices(counted),
            hints=hint_choices(counted),
            statuses=STATUSES,
        )

    def student_page(subject: str, lab: str, *, error: str = "", form=None, status: int = 200):
        view = student_view(gradebook(), subject, lab)
        if view is None:
            message = error or f"No graded submission is {subject!r}."
            return render_template("error.html", message=message), (status if error else 404)
        recorded = request.args.get("recorded", "")
        notice = next((describe_override(o) for o in view.log if str(o.id) == recorded), "")
        return render_template(
            "student.html",
            view=view,
            notice=notice,
            error=error,
            form=form or {},
            class_lab=view.lab,
        ), status

    @app.get("/similar")
    def similar():
        """The lab's graded notebooks compared, each pair above the threshold side by side."""
        try:
            lab = gradebook().choose_lab(request.args.get("lab") or None)
        except LabError as error:
            return render_template("error.html", message=str(error)), 400
        threshold = _fraction(request.args.get("threshold", ""), DEFAULT_THRESHOLD)
        rows = [row for row in gradebook().current_submissions(lab.reference)
                if row["gradable"] and not row["superseded_by"]]  # fmt: skip
        found = compare_class(rows, lab, threshold)
        return render_template("similar.html", lab=lab, class_lab=lab.reference,
                               threshold=threshold, compared=found.compared,
                               problems=found.problems,
                               pairs=[_sides(pair) for pair in found.pairs])  # fmt: skip

    @app.get("/student")
    def student():
        return student_page(request.args.get("subject", ""), request.args.get("lab", ""))

    @app.post("/override")
    def override():
        form = request.form
        subject, lab = form.get("subject", ""), form.get("lab", "")
        target = form.get("target", "")
        remove = form.get("action") == "remove"
        try:
            kind = target.partition(":")[0]
            if kind not in ("check", "part") and target not in (TOTAL, LATE):
                raise OverrideError(f"{target!r} is not something an override can set")
            score = None if remove or target == LATE else _score(form.get("score", ""))
            made = gradebook().override(
                subject,
                target,
                score,
                reason=form.get("reason", ""),
                author=form.get("by", "").strip() or author,
                private=form.get("private") == "on",
                remove=remove,
                lab=lab or None,
            )
        except OverrideError as error:
            return student_page(subject, lab, error=str(error), form=form, status=400)
        where = url_for("student", subject=made.subject, lab=made.lab, recorded=made.id)
        return redirect(where, 303)

    return app


def _fraction(text: str, default: float) -> float:
    try:
        value = float(text)
    except ValueError:
        return default
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else default


def _sides(pair: SimilarPair) -> dict:
    """A pair as the page shows it: each side's name and its code cut into marked pieces."""
    return {
        "score": pair.score,
        "sides": [
            {"name": code.name, "pieces": marked(code.text, regions)}
            for code, regions in zip((pair.first, pair.second), pair.regions, strict=True)
        ],
    }


def _score(text: str) -> float:
    if not text.strip():
        raise OverrideError("give the score to set, or remove the override")
    try:
        return float(text)
    except ValueError:
        raise OverrideError(f"the score must be a number, not {text!r}") from None
