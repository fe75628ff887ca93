"""The instructor's commands: each declares its options and calls one function.

Errors the instructor can fix come back as exceptions of the modules that found them and
leave here as one line (click.ClickException), never a traceback.
"""

import logging
import sqlite3
import sys
from pathlib import Path

import click
from rich.console import Console

from autograder import __version__
from autograder.exports.lti import USER_FIELDS
from autograder.exports.options import ExportError, ExportOptions
from autograder.exports.run import FORMATS, export_class
from autograder.grade import GradingOptions
from autograder.gradebook import Gradebook, override_in, student_history
from autograder.grading_run import RunError, grade_path, lab_of, lab_of_gradebook
from autograder.intake import IntakeError
from autograder.lab import LabError
from autograder.late import PolicyError
from autograder.lms.gradescope_autograder.command import bundle
from autograder.lms.registry import LTI_USER_DEFAULT
from autograder.matching import class_of_submissions, read_class
from autograder.overrides import OverrideError, author_name, describe_override
from autograder.pages.feedback_delivery import FORMATS as FEEDBACK_FORMATS
from autograder.sandbox.session import Limits
from autograder.student import RosterError
from autograder.terminal import RunDisplay, export_summary, history_lines, show_run

# What the instructor can fix: said in one line
FIXABLE = (RunError, LabError, PolicyError, RosterError, ExportError, OverrideError)


@click.group()
@click.version_option(__version__)
@click.option("-v", "--verbose", is_flag=True, help="Log what the grader does.")
def main(verbose: bool) -> None:
    """Grade the TensorFlow lab: hidden checks, run apart from student code."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


main.add_command(bundle)  # declared beside the runner it packs


class _Fixable:
    """Turns what the instructor can fix into one line."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is not None and issubclass(kind, FIXABLE):
            raise click.ClickException(str(error)) from None
        return False


def _options(*options):
    """Several click options as one decorator, in the order given."""

    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def _grading(cell_timeout: float, probe_timeout: float, timeout: float, gpu: bool):
    limits = Limits(cell_seconds=cell_timeout, probe_seconds=probe_timeout, total_seconds=timeout)
    return GradingOptions(limits, gpu=gpu)


# How submissions are graded: `grade` and `regrade`.
_grading_options = _options(
    click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Submissions graded at once (default: all cores).",
    ),
    click.option("--cell-timeout", default=60.0, show_default=True, help="Seconds per cell."),
    click.option(
        "--probe-timeout",
        default=120.0,
        show_default=True,
        help="Seconds for one measured run of a student's function.",
    ),
    click.option("--timeout", default=900.0, show_default=True, help="Seconds per submission."),
    click.option("--gpu", is_flag=True, help="Let student code see GPUs (default: CPU only)."),
)


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for one results.json-format file per submission.",
)
@click.option(
    "--lab",
    "lab_name",
    default=None,
    help="A lab's name (built in or installed) or a lab folder's path. Default: the lab"
    " `assign` wrote into the notebooks, else the one built-in lab.",
)
@click.option(
    "--dask",
    "dask_address",
    default=None,
    metavar="ADDRESS|FILE.json|local[:N]",
    help="Grade on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786) or wrote"
    " FILE.json (dask scheduler --scheduler-file), or on N local Dask worker processes"
    " (default: all cores). See README, Grading on a cluster.",
)
@_grading_options
@click.option(
    "--gradebook",
    "gradebook_path",
    type=click.Path(path_type=Path),
    default=None,
    help="SQLite gradebook (default: DIR/gradebook.sqlite).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Regrade submissions the gradebook already holds for this grader and lab.",
)
def grade(
    path: Path,
    out_dir: Path,
    lab_name: str,
    workers: int | None,
    dask_address: str | None,
    cell_timeout: float,
    probe_timeout: float,
    timeout: float,
    gpu: bool,
    gradebook_path: Path | None,
    force: bool,
) -> None:
    """Grade PATH: a notebook, an otter export zip, or a folder of them."""
    if dask_address and workers:
        raise click.UsageError(
            "--workers counts this machine's worker processes; with --dask, the cluster's"
            " workers grade (local:N starts N of them)"
        )
    status = Console(stderr=True)
    display = RunDisplay(status)
    with _Fixable():
        try:
            run = grade_path(path, out_dir, _grading(cell_timeout, probe_timeout, timeout, gpu),
                             lab_reference=lab_name, workers=workers, dask=dask_address,
                             gradebook_path=gradebook_path, force=force,
                             progress=display)  # fmt: skip
        finally:
            display.close()
    show_run(run, out_dir, status)


# What `export` and `feedback` both read: the same class, matched and judged late alike.
_gradebook_option = click.option(
    "--gradebook",
    "gradebook_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The gradebook that `grade` filled (OUT/gradebook.sqlite).",
)
# export csv and feedback html: a class graded from a folder has no roster to give
_optional_roster_option = click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The class list as the LMS exports it (README: Rosters), or a CSV with id,name,email."
    " Without it (csv and html only): one row or page per graded submission, named by the"
    " student intake found, else by its file.",
)
WITHOUT_ROSTER = {"export": ("csv",), "feedback": ("html",)}
_lab_option = click.option(
    "--lab",
    "lab_name",
    default=None,
    help="A lab's name or a lab folder's path. Default: the lab the gradebook graded.",
)

# Where no gradebook says which lab: `assign`.
_built_in_lab_option = click.option(
    "--lab",
    "lab_name",
    default=None,
    help="A lab's name or a lab folder's path (default: the one built-in lab).",
)
_visibility_option = click.option(
    "--visibility",
    type=click.Choice(["visible", "hidden", "after_due_date", "after_published"]),
    default="visible",
    show_default=True,
    help="When students see their results, for grade files that say so (results.json).",
)


_map_option = click.option(
    "--map",
    "mapping_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with columns submission,student for files that name nobody.",
)
_late_policy_options = _options(
    click.option("--due", help="Due date, ISO 8601: 2026-12-01T23:59-05:00."),
    click.option(
        "--timezone",
        help="Time zone of --due, and of platform submission times that have none"
        " (an attempt's stamp): America/Chicago.",
    ),
    click.option("--grace", default="0", show_default=True, help="15m, 2h, 1d: not late within."),
    click.option(
        "--penalty",
        default="none",
        show_default=True,
        help="Late penalty: none, zero, or a percentage of the points per day (10%).",
    ),
    click.option("--penalty-cap", help="Largest total percentage penalty (default 100%)."),
    click.option(
        "--late-from-file-times",
        is_flag=True,
        help="When no platform gives a submission time, use the file's modification time.",
    ),
)


def _class_list(command, format, gradebook_path, lab, roster, mapping_path, *policy):
    due, timezone, grace, penalty, penalty_cap, file_times = policy
    late = {"due": due, "timezone": timezone, "grace": grace, "penalty": penalty,
            "penalty_cap": penalty_cap, "file_times": file_times}  # fmt: skip
    if roster is not None:
        return read_class(roster, mapping_path, **late)
    if format not in WITHOUT_ROSTER[command] or mapping_path is not None:
        needs = "--map" if format in WITHOUT_ROSTER[command] else f"{command} {format}"
        alone = "/".join(WITHOUT_ROSTER[command])
        raise click.UsageError(f"{needs} needs --roster: only `{command} {alone}` runs without one")
    gradebook = Gradebook.open(gradebook_path)
    try:
        rows = gradebook.current_submissions(lab.reference)
    finally:
        gradebook.close()
    return class_of_submissions(rows, **late)


@main.command()
@click.argument("format", type=click.Choice(FORMATS))
@_gradebook_option
@_optional_roster_option
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The file to write (a folder, for a format of one file per submission).",
)
@_lab_option
@click.option("--assignment", default="TensorFlow lab", show_default=True, help="Column name.")
@click.option(
    "--assignment-id",
    help="The LMS's id of the assignment, or of its grade column, for grade files that fill one.",
)
@click.option(
    "--missing",
    type=click.Choice(["zero", "blank"]),
    default="zero",
    show_default=True,
    help="What a student with no submission gets.",
)
@_map_option
@click.option(
    "--identifier",
    type=click.Choice(["email", "username", "idnumber"]),
    default="email",
    show_default=True,
    help="The user field that identifies students, for grade files that name them by one.",
)
@click.option(
    "--lti-user",
    type=click.Choice(USER_FIELDS),
    default=LTI_USER_DEFAULT,
    show_default=True,
    help="LTI: the roster field that holds each student's LTI user id.",
)
@_visibility_option
@_late_policy_options
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def export(
    format: str,
    gradebook_path: Path,
    roster: Path,
    out_path: Path,
    lab_name: str,
    assignment: str,
    assignment_id: str | None,
    missing: str,
    mapping_path: Path | None,
    identifier: str,
    lti_user: str,
    visibility: str,
    due: str | None,
    timezone: str | None,
    grace: str,
    penalty: str,
    penalty_cap: str | None,
    late_from_file_times: bool,
    dry_run: bool,
) -> None:
    """Write the class's grades as FORMAT for the course's gradebook."""
    with _Fixable():
        lab = lab_of_gradebook(lab_name, gradebook_path)
        class_list = _class_list("export", format, gradebook_path, lab, roster, mapping_path,
                                 due, timezone, grace, penalty, penalty_cap,
                                 late_from_file_times)  # fmt: skip
        zone = class_list.policy.due.tzinfo if class_list.policy else None
        options = ExportOptions(assignment, assignment_id, identifier, lti_user, zone, visibility)
        report = export_class(format, gradebook_path, lab, class_list, out_path, options,
                              missing=missing, dry_run=dry_run)  # fmt: skip
    for line in export_summary(report, lab.max_score):
        click.echo(line)
    if not dry_run:
        click.echo(f"Wrote {out_path}")


@main.command()
@click.argument("format", type=click.Choice(FEEDBACK_FORMATS))
@_gradebook_option
@_optional_roster_option
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(path_type=Path),
    help="A folder of pages (html, and platforms that take a folder), or the zip to upload.",
)
@_lab_option
@_map_option
@_late_policy_options
def feedback(
    format: str,
    gradebook_path: Path,
    roster: Path,
    out_path: Path,
    lab_name: str,
    mapping_path: Path | None,
    due: str | None,
    timezone: str | None,
    grace: str,
    penalty: str,
    penalty_cap: str | None,
    late_from_file_times: bool,
) -> None:
    """Write every student's feedback page: a folder, or a zip for an LMS to attach."""
    from autograder.pages.feedback_delivery import DeliveryError, write_feedback

    with _Fixable():
        lab = lab_of_gradebook(lab_name, gradebook_path)
        class_list = _class_list("feedback", format, gradebook_path, lab, roster, mapping_path,
                                 due, timezone, grace, penalty, penalty_cap,
                                 late_from_file_times)  # fmt: skip
        try:
            delivery = write_feedback(format, gradebook_path, lab, class_list, out_path)
        except (DeliveryError, OSError) as error:
            raise click.ClickException(str(error)) from None
    for line in delivery.skipped:
        click.echo(line)
    click.echo(f"Wrote {len(delivery.written)} feedback page(s) to {out_path}")


@main.command()
@_gradebook_option
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for index.html and its plots.",
)
@_lab_option
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write each check's statistics (pass rate, mean points, discrimination, flags)"
    " to this CSV file, to keep across terms.",
)
@click.option(
    "--similarity",
    is_flag=True,
    help="Also compare the graded notebooks' own code with each other (copydetect, on this"
    " machine) and list the pairs most alike, side by side: a pointer, never a verdict.",
)
@click.option(
    "--similarity-threshold",
    type=click.FloatRange(0, 1),
    default=0.8,
    show_default=True,
    help="The share of one notebook's own code found in the other that lists a pair.",
)
@click.option(
    "--reference",
    "reference_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of earlier terms' submissions to compare this term's with (--similarity).",
)
def report(
    gradebook_path: Path,
    out_dir: Path,
    lab_name: str | None,
    csv_path: Path | None,
    similarity: bool,
    similarity_threshold: float,
    reference_dir: Path | None,
) -> None:
    """Write the class report: what the class got wrong by cause, statistics per check,
    scores, similar submissions (--similarity), export status."""
    # Imported here: matplotlib costs every other command a second to load.
    from autograder.pages.class_report import ReportError, SimilarityOptions, write_class_report

    if reference_dir is not None and not similarity:
        raise click.UsageError("--reference needs --similarity")
    options = SimilarityOptions(similarity_threshold, reference_dir) if similarity else None
    try:
        page = write_class_report(gradebook_path, out_dir, lab_name, csv_path, options)
    except (ReportError, LabError, IntakeError, KeyError, sqlite3.DatabaseError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {page}")
    if csv_path is not None:
        click.echo(f"Wrote {csv_path}")


@main.command()
@_built_in_lab_option
@click.option(
    "--solution",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The solution notebook (default: the lab's own).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the assignment (default: assignments/<lab name>).",
)
def assign(lab_name: str | None, solution: Path | None, out_dir: Path | None) -> None:
    """Generate the student notebook and public checks from the lab's solution notebook, and
    the handouts in OUT/handout: a zip for Jupyter and JupyterHub, a notebook for Colab."""
    # Imported here: otter-grader costs every other command seconds to load.
    from autograder.assign import AssignError, assign_lab

    try:
        written = assign_lab(lab_name, solution, out_dir)
    except AssignError as error:
        raise click.ClickException(str(error)) from None
    for file in written:
        click.echo(f"wrote {file}")


# ---- instructor review: overrides, history, regrades, the review page ---------------------


@main.command()
@click.argument("student")
@_gradebook_option
@click.option("--check", help="Set this check's score (its name, or a unique part of it).")
@click.option("--part", help="Set this part's score (the checks' scores under it are kept).")
@click.option("--total", is_flag=True, help="Set the total score, before any late penalty.")
@click.option("--late", type=click.Choice(["waive"]), help="Waive this student's late penalty.")
@click.option("--score", type=float, help="The score to set.")
@click.option("--remove", is_flag=True, help="Remove the override of this target (recorded).")
@click.option("--reason", required=True, help="Why: shown to the student unless --private.")
@click.option("--private", is_flag=True, help="Keep the reason out of everything students see.")
@click.option("--by", "author", default=None, help="Who is making it (default: login name).")
@_lab_option
def override(
    student: str,
    gradebook_path: Path,
    lab_name: str | None,
    check: str | None,
    part: str | None,
    total: bool,
    late: str | None,
    score: float | None,
    remove: bool,
    reason: str,
    private: bool,
    author: str | None,
) -> None:
    """Set (or --remove) one student's check, part or total score, or waive their late
    penalty. STUDENT: a result name, an identity (canvas:123), a file path or a SHA-256."""
    with _Fixable():
        made = override_in(
            gradebook_path, student, check=check, part=part, total=total, late=bool(late),
            score=score, remove=remove, reason=reason, private=private,
            author=author or author_name(), lab=lab_name and lab_of(lab_name).reference,
        )  # fmt: skip
    click.echo(describe_override(made))


@main.command()
@click.argument("student")
@_gradebook_option
@_lab_option
def history(student: str, gradebook_path: Path, lab_name: str | None) -> None:
    """Every score STUDENT has had: each graded result, override, removal and export."""
    with _Fixable():
        subject, events = student_history(
            gradebook_path, student, lab_name and lab_of(lab_name).reference
        )
    for line in history_lines(subject, events):
        click.echo(line)


@main.command()
@click.argument("students", nargs=-1, required=True)
@_gradebook_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the new result files (default: the gradebook's folder).",
)
@_lab_option
@_grading_options
def regrade(
    students: tuple[str, ...],
    gradebook_path: Path,
    out_dir: Path | None,
    lab_name: str | None,
    workers: int | None,
    cell_timeout: float,
    probe_timeout: float,
    timeout: float,
    gpu: bool,
) -> None:
    """Grade STUDENTS' submissions again (after a check or hint was fixed), and print each
    score change. Every earlier result stays in the gradebook."""
    from autograder.regrade import regrade as regrade_students

    status = Console(stderr=True)
    display = RunDisplay(status)
    with _Fixable():
        try:
            done = regrade_students(gradebook_path, list(students),
                                    _grading(cell_timeout, probe_timeout, timeout, gpu),
                                    lab_reference=lab_name, out_dir=out_dir, workers=workers,
                                    progress=display)  # fmt: skip
        finally:
            display.close()
    for problem in done.problems:
        click.echo(f"Not regraded: {problem}", err=True)
    if done.run is not None:
        show_run(done.run, out_dir or gradebook_path.parent, status)
    for change in done.changes:
        click.echo(change.line())
    if done.problems:
        sys.exit(1)


@main.command()
@_gradebook_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, help="Port (0: any free port).")
@click.option("--by", "author", default=None, help="Who makes overrides (default: login name).")
def review(gradebook_path: Path, host: str, port: int, author: str | None) -> None:
    """Start the review page: the class, each student's work, and overrides, on a local web
    server. It prints the URL to open, with its access token; Ctrl-C stops it."""
    try:
        from autograder.review.server import serve
    except ImportError as error:
        raise click.ClickException(
            f"the review page needs Flask ({error}): pip install 'tf-autograder[review]'"
        ) from None
    serve(gradebook_path, host=host, port=port, author=author or author_name())


@main.command("new-lab")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", required=True, help="The lab's name: lower case, digits and _.")
def new_lab(path: Path, name: str) -> None:
    """Make a lab folder with one small example question, ready to assign and grade."""
    from autograder.new_lab import NewLabError
    from autograder.new_lab import new_lab as scaffold

    try:
        written = scaffold(path, name)
    except (NewLabError, OSError) as error:
        raise click.ClickException(str(error)) from None
    for file in written:
        click.echo(f"wrote {file}")
    click.echo(f"Next: autograder assign --lab {path} --out <folder>, then grade with --lab {path}")


if __name__ == "__main__":
    sys.exit(main())
