"""The instructor's commands."""

import contextlib
import logging
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console

from autograder import __version__
from autograder.batch import default_workers, grade_batch
from autograder.cluster.client import ClusterError, cluster_threads, connect, grade_on_cluster
from autograder.exports import ExportError, ExportOptions
from autograder.exports.run import FORMATS
from autograder.exports.run import export as run_export
from autograder.grade import GradingOptions
from autograder.gradebook import Gradebook, lab_version
from autograder.intake import IntakeError, Submission, discover, notebook_lab
from autograder.lab import Lab, LabError, get_lab, known_labs, only_lab
from autograder.late import LatePolicy, PolicyError, parse_policy
from autograder.overrides import (
    LATE,
    OverrideError,
    author_name,
    describe_override,
    target_of,
)
from autograder.regrade import override_notices
from autograder.report import export_summary, progress_bar, sandbox_gaps, summary_table
from autograder.results import SubmissionResult
from autograder.roster import RosterError, load_roster
from autograder.sandbox.session import Limits
from autograder.standing import build_standing, load_mapping


@click.group()
@click.version_option(__version__)
@click.option("-v", "--verbose", is_flag=True, help="Log what the grader does.")
def main(verbose: bool) -> None:
    """Grade the TensorFlow lab: hidden checks, run apart from student code."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _options(*options):
    """Several click options as one decorator, in the order given."""

    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command

    return apply


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
    try:
        submissions = discover(path)
    except IntakeError as error:
        raise click.ClickException(str(error)) from None
    if not submissions:
        raise click.ClickException(f"no notebooks or zips found under {path}")
    lab = _lab(lab_name or _lab_of_notebooks(submissions))
    out_dir.mkdir(parents=True, exist_ok=True)
    options = GradingOptions(
        Limits(cell_seconds=cell_timeout, probe_seconds=probe_timeout, total_seconds=timeout),
        gpu=gpu,
    )
    try:
        with _grading_engine(dask_address, workers, lab, options) as engine:
            _grade_into(submissions, lab, engine, out_dir, gradebook_path, force)
    except ClusterError as error:
        raise click.ClickException(str(error)) from None
    except (OSError, sqlite3.Error) as error:
        # Each submission is one transaction: whatever was recorded before this is intact.
        raise click.ClickException(
            f"stopped: could not write the results or the gradebook in {out_dir} ({error})."
            " Every submission recorded before this is kept; free space (or fix the folder)"
            " and run the same command again to grade the rest."
        ) from None


@dataclass(frozen=True)
class GradingEngine:
    """Where submissions are graded: this machine's worker processes, or a Dask cluster."""

    describe: Callable[[int], str]  # for n submissions to grade: "2 worker(s)"
    grade: Callable[[list[Submission]], Iterator[tuple[Submission, SubmissionResult]]]


@contextlib.contextmanager
def _grading_engine(
    dask_address: str | None, workers: int | None, lab: Lab, options: GradingOptions
) -> Iterator[GradingEngine]:
    if dask_address is None:

        def count(n: int) -> int:
            return max(1, min(workers or default_workers(), n))

        yield GradingEngine(
            describe=lambda n: f"{count(n)} worker(s)",
            grade=lambda batch: grade_batch(batch, lab, options, count(len(batch))),
        )
        return
    # Connecting checks the workers' versions: a refusal comes before anything is graded
    with connect(dask_address, options.gpu, default_workers()) as client:
        yield GradingEngine(
            describe=lambda n: f"{cluster_threads(client)} Dask worker(s) at {dask_address}",
            grade=lambda batch: grade_on_cluster(client, batch, lab, options),
        )


def _grade_into(
    submissions: list[Submission],
    lab: Lab,
    engine: GradingEngine,
    out_dir: Path,
    gradebook_path: Path | None,
    force: bool,
) -> None:
    gradebook = Gradebook.open(gradebook_path or out_dir / "gradebook.sqlite")
    try:
        _grade_with(gradebook, submissions, lab, engine, out_dir, force)
    finally:
        gradebook.close()


def _grade_with(
    gradebook: Gradebook,
    submissions: list[Submission],
    lab: Lab,
    engine: GradingEngine,
    out_dir: Path,
    force: bool,
) -> None:
    version = lab_version(lab)
    run_id = gradebook.start_run(lab, version, " ".join(sys.argv))
    results: list[tuple[Submission, SubmissionResult]] = []
    graded_now: list[tuple[Submission, SubmissionResult]] = []
    to_grade = []
    for submission in submissions:
        previous = (
            None
            if force or submission.superseded_by
            else gradebook.previous_result(submission.sha256, version)
        )
        if previous is None:
            to_grade.append(submission)
            continue
        results.append((submission, previous))
        if not (out_dir / f"{submission.name}.json").exists():
            previous.write(out_dir / f"{submission.name}.json")
    status = Console(stderr=True)
    status.print(
        f"{lab.title}: {len(to_grade)} to grade with {engine.describe(len(to_grade))},"
        f" {len(submissions) - len(to_grade)} already in the gradebook"
    )
    started = time.monotonic()
    with progress_bar(status) as progress:
        task = progress.add_task("grading", total=len(to_grade))
        # closing() stops the workers too when writing a result fails
        with contextlib.closing(engine.grade(to_grade)) as graded:
            for submission, result in graded:
                # The gradebook first: a result file without its row would be graded again,
                # a row without its file is rewritten from the gradebook on the next run.
                gradebook.record(
                    run_id, version, submission, result, result.extra_data.get("started_at", "")
                )
                result.write(out_dir / f"{submission.name}.json")
                results.append((submission, result))
                graded_now.append((submission, result))
                progress.advance(task)
    gradebook.finish_run(run_id)
    results.sort(key=lambda pair: pair[0].name)
    Console(width=160).print(summary_table(results, lab))
    for gap in sandbox_gaps(results):
        status.print(f"[yellow]Warning:[/yellow] {gap}")
    for notice in override_notices(gradebook, lab.reference, graded_now):
        status.print(f"[yellow]Override:[/yellow] {notice}", highlight=False)
    scores = [result.score for _, result in results]
    not_gradable = sum(bool(result.extra_data.get("ungraded")) for _, result in results)
    click.echo(
        f"Graded {len(to_grade)} in {time.monotonic() - started:.0f} s. Over all"
        f" {len(results)}: mean"
        f" {sum(scores) / len(scores):.2f} / {lab.max_score:g}, full marks"
        f" {sum(score == lab.max_score for score in scores)}, not gradable {not_gradable}."
        f" Results in {out_dir}/"
    )


# What `export` and `feedback` both read: the same class, matched and judged late alike.
_gradebook_option = click.option(
    "--gradebook",
    "gradebook_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The gradebook that `grade` filled (OUT/gradebook.sqlite).",
)
_roster_option = click.option(
    "--roster",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Canvas gradebook export, Moodle participants export, or CSV with id,name,email.",
)
_lab_option = click.option(
    "--lab",
    "lab_name",
    default=None,
    help="A lab's name or a lab folder's path. Default: the lab the gradebook graded.",
)

# Where no gradebook says which lab: `assign` and `bundle`.
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
    help="Gradescope: when students see their results.",
)


def _lab(reference: str | None) -> Lab:
    try:
        return get_lab(reference or only_lab())
    except LabError as error:
        raise click.ClickException(str(error)) from None


def _lab_of_notebooks(submissions: list[Submission]) -> str | None:
    """The lab `assign` named in the notebooks' metadata (or, in older notebooks, otter's
    assignment name when it is a known lab), when they agree on one."""
    known = set(known_labs())
    named = set()
    for lab, otter_name in map(notebook_lab, submissions):
        if lab or otter_name in known:
            named.add(lab or otter_name)
    if len(named) > 1:
        raise click.ClickException(
            f"the notebooks belong to several labs ({', '.join(sorted(named))}): grade each"
            " lab's notebooks on their own, with --lab"
        )
    return named.pop() if named else None


def _lab_of_solution(solution: Path) -> str | None:
    """The known lab whose solution notebook this is, if one is."""
    for name in known_labs():
        if get_lab(name).solution == solution.resolve():
            return name
    return None


def _lab_of_gradebook(reference: str | None, gradebook_path: Path) -> Lab:
    if reference:
        return _lab(reference)
    gradebook = Gradebook.open(gradebook_path)
    try:
        graded = gradebook.graded_labs()
    finally:
        gradebook.close()
    if len(graded) > 1:
        raise click.ClickException(
            f"the gradebook holds several labs ({', '.join(graded)}): choose one with --lab"
        )
    return _lab(graded[0] if graded else None)


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
        " (Blackboard's attempt stamps): America/Chicago.",
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


def _read_class(
    roster: Path,
    mapping_path: Path | None,
    due: str | None,
    timezone: str | None,
    grace: str,
    penalty: str,
    penalty_cap: str | None,
) -> tuple[list, dict[str, str] | None, LatePolicy | None]:
    """The roster, the mapping and the late policy, or the reason they can't be used."""
    try:
        policy = parse_policy(due, timezone, grace, penalty, penalty_cap) if due else None
        if not due and penalty != "none":
            raise PolicyError("--penalty needs --due")
        students = load_roster(roster)
        mapping = load_mapping(mapping_path) if mapping_path else None
    except (PolicyError, RosterError) as error:
        raise click.ClickException(str(error)) from None
    return students, mapping, policy


@main.command()
@click.argument("format", type=click.Choice(FORMATS))
@_gradebook_option
@_roster_option
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The file to write (a folder for gradescope).",
)
@_lab_option
@click.option("--assignment", default="TensorFlow lab", show_default=True, help="Column name.")
@click.option("--assignment-id", help="Canvas assignment id, or Blackboard column id.")
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
    help="Moodle: the user field that identifies students.",
)
@click.option(
    "--lti-user",
    type=click.Choice(["canvas", "sis", "email", "username", "idnumber"]),
    default="canvas",
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
    lab = _lab_of_gradebook(lab_name, gradebook_path)
    students, mapping, policy = _read_class(
        roster, mapping_path, due, timezone, grace, penalty, penalty_cap
    )
    zone = policy.due.tzinfo if policy else None
    options = ExportOptions(assignment, assignment_id, identifier, lti_user, zone)
    gradebook = Gradebook.open(gradebook_path)
    try:
        report = run_export(
            format,
            gradebook,
            students,
            lab.parts,
            out_path,
            options,
            mapping=mapping,
            policy=policy,
            missing=missing,
            file_times=late_from_file_times,
            visibility=visibility,
            dry_run=dry_run,
        )
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    finally:
        gradebook.close()
    for line in export_summary(report, lab.max_score):
        click.echo(line)
    if not dry_run:
        click.echo(f"Wrote {out_path}")


@main.command()
@click.argument("format", type=click.Choice(["html", "canvas", "moodle", "blackboard"]))
@_gradebook_option
@_roster_option
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder of pages (html; blackboard: one per Username), or the zip to upload"
    " (canvas, moodle).",
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
    """Write every student's feedback page: a folder, or a zip for Canvas or Moodle."""
    # Imported here: the pages share the class report's helpers, which load matplotlib.
    from autograder.report.delivery import DeliveryError, deliver

    lab = _lab_of_gradebook(lab_name, gradebook_path)
    students, mapping, policy = _read_class(
        roster, mapping_path, due, timezone, grace, penalty, penalty_cap
    )
    gradebook = Gradebook.open(gradebook_path)
    try:
        standing = build_standing(
            gradebook.current_submissions(),
            students,
            lab.parts,
            mapping=mapping,
            policy=policy,
            file_times=late_from_file_times,
        )
    finally:
        gradebook.close()
    try:
        delivery = deliver(format, standing, lab.title, out_path)
    except (DeliveryError, OSError) as error:
        raise click.ClickException(str(error)) from None
    for line in delivery.skipped:
        click.echo(line)
    click.echo(f"Wrote {len(delivery.written)} feedback page(s) to {out_path}")


@main.command()
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The zip to upload as the assignment's autograder.",
)
@_built_in_lab_option
@_visibility_option
@click.option(
    "--penalty",
    default="none",
    show_default=True,
    help="Late penalty from Gradescope's due date: none, zero, or a percentage per day (10%).",
)
@click.option("--grace", default="0", show_default=True, help="15m, 2h, 1d: not late within.")
@click.option("--penalty-cap", help="Largest total percentage penalty (default 100%).")
@click.option(
    "--cell-timeout", default=60.0, show_default=True, help="Seconds per cell, and per probe."
)
@click.option(
    "--timeout",
    default=480.0,
    show_default=True,
    help="Seconds for one submission; keep it under the assignment's Gradescope timeout.",
)
def bundle(
    out_path: Path,
    lab_name: str,
    visibility: str,
    penalty: str,
    grace: str,
    penalty_cap: str | None,
    cell_timeout: float,
    timeout: float,
) -> None:
    """Write the Gradescope autograder zip (setup.sh, run_autograder, the grader, the lock)."""
    from autograder.bundle.build import BundleError, build_bundle
    from autograder.bundle.run import Config

    lab = _lab(lab_name)
    config = Config(lab.reference, visibility, penalty, grace, penalty_cap, cell_timeout, timeout)
    try:
        entries = build_bundle(out_path, config)
    except (BundleError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {out_path} ({len(entries)} files): upload it as the autograder of a")
    click.echo("Gradescope programming assignment (Configure Autograder → Zip file upload).")


@main.command()
@_gradebook_option
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for index.html and its plots.",
)
def report(gradebook_path: Path, out_dir: Path) -> None:
    """Write the class report: score and check statistics, common failures, export status."""
    # Imported here: matplotlib costs every other command a second to load.
    from autograder.report.classreport import ReportError, write_class_report

    try:
        page = write_class_report(gradebook_path, out_dir)
    except (ReportError, KeyError, sqlite3.DatabaseError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {page}")


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
    from autograder.assign import generate_assignment

    lab = _lab(lab_name or (solution and _lab_of_solution(solution)))
    solution = solution or lab.solution
    if solution is None or not solution.is_file():
        raise click.ClickException(f"the lab {lab.name} has no solution notebook at {solution}")
    try:
        written = generate_assignment(solution, out_dir or Path("assignments") / lab.name,
                                      lab_name=lab.name)  # fmt: skip
    except FileExistsError as error:  # out_dir holds something else: nothing was deleted
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
    target = None
    try:
        target = target_of(check, part, total, bool(late))
        if remove == (score is not None) and target != LATE:
            raise OverrideError("give --score to set a score, or --remove to remove an override")
        gradebook = Gradebook.open(gradebook_path)
        try:
            made = gradebook.override(
                student, target, score, reason=reason, author=author or author_name(),
                private=private, remove=remove, lab=lab_name and _lab(lab_name).reference,
            )  # fmt: skip
        finally:
            gradebook.close()
    except OverrideError as error:
        raise click.ClickException(str(error)) from None
    click.echo(describe_override(made))


@main.command()
@click.argument("student")
@_gradebook_option
@_lab_option
def history(student: str, gradebook_path: Path, lab_name: str | None) -> None:
    """Every score STUDENT has had: each graded result, override, removal and export."""
    lab = lab_name and _lab(lab_name).reference
    gradebook = Gradebook.open(gradebook_path)
    try:
        subject = gradebook.find_students(student, lab)[0]["subject"]
        events = gradebook.history(subject, lab)
    except OverrideError as error:
        raise click.ClickException(str(error)) from None
    finally:
        gradebook.close()
    click.echo(f"History of {subject}:")
    several_labs = len({event["lab"] for event in events}) > 1
    for event in events:
        score = "" if event["score"] is None else f"{event['score']:g}"
        if event["max_score"] is not None:
            score += f" / {event['max_score']:g}"
        by = f" by {event['author']}" if event["author"] else ""
        if several_labs:
            by += f" [lab {event['lab']}]"
        click.echo(f"{event['at']}  {event['event']:<16} {event['target']:<12} {score:<10}"
                   f" {event['detail']}{by}")  # fmt: skip


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
    from autograder.regrade import RegradeError, reload, score_changes

    lab = _lab_of_gradebook(lab_name, gradebook_path)
    options = GradingOptions(
        Limits(cell_seconds=cell_timeout, probe_seconds=probe_timeout, total_seconds=timeout),
        gpu=gpu,
    )
    gradebook = Gradebook.open(gradebook_path)
    try:
        try:
            before = [
                row
                for student in students
                for row in gradebook.find_students(student, lab.reference)
            ]
        except OverrideError as error:
            raise click.ClickException(str(error)) from None
        submissions, problems = [], []
        for row in before:
            try:
                submissions.append(reload(row))
            except RegradeError as error:
                problems.append(str(error))
        for problem in problems:
            click.echo(f"Not regraded: {problem}", err=True)
        if submissions:
            with _grading_engine(None, workers, lab, options) as engine:
                _grade_with(gradebook, submissions, lab, engine,
                            out_dir or gradebook_path.parent, force=True)  # fmt: skip
        after = gradebook.current_submissions()
        for change in score_changes(before, after):
            click.echo(change.line())
    finally:
        gradebook.close()
    if problems:
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
