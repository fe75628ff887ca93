"""The instructor's commands."""

import logging
import sys
from pathlib import Path

import click

from autograder import __version__
from autograder.grade import GradingOptions, grade_submission
from autograder.intake import IntakeError, discover
from autograder.lab import get_lab
from autograder.sandbox.session import Limits


@click.group()
@click.version_option(__version__)
@click.option("-v", "--verbose", is_flag=True, help="Log what the grader does.")
def main(verbose: bool) -> None:
    """Grade the TensorFlow lab: hidden checks, run apart from student code."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
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
@click.option("--lab", "lab_name", default="tf_intro", show_default=True)
@click.option("--cell-timeout", default=60.0, show_default=True, help="Seconds per cell.")
@click.option(
    "--probe-timeout",
    default=120.0,
    show_default=True,
    help="Seconds for one measured run of a student's function.",
)
@click.option("--timeout", default=900.0, show_default=True, help="Seconds per submission.")
@click.option("--gpu", is_flag=True, help="Let student code see GPUs (default: CPU only).")
def grade(
    path: Path,
    out_dir: Path,
    lab_name: str,
    cell_timeout: float,
    probe_timeout: float,
    timeout: float,
    gpu: bool,
) -> None:
    """Grade PATH: a notebook, an otter export zip, or a folder of them."""
    lab = get_lab(lab_name)
    try:
        submissions = discover(path)
    except IntakeError as error:
        raise click.ClickException(str(error)) from None
    if not submissions:
        raise click.ClickException(f"no notebooks or zips found under {path}")
    out_dir.mkdir(parents=True, exist_ok=True)
    options = GradingOptions(
        Limits(cell_seconds=cell_timeout, probe_seconds=probe_timeout, total_seconds=timeout),
        gpu=gpu,
    )
    parts = list(lab.parts)
    click.echo(f"Grading {len(submissions)} submission(s) for {lab.title}")
    header = f"{'submission':<40} {'score':>9}  " + "  ".join(f"{p:>19}" for p in parts)
    click.echo(header)
    click.echo("-" * len(header))
    total = 0.0
    for submission in submissions:
        result = grade_submission(submission, lab, options)
        result.write(out_dir / f"{submission.name}.json")
        total += result.score
        scores = result.part_scores()
        cells = "  ".join(f"{scores.get(p, (0, 0))[0]:>8g} / {lab.parts[p]:<8g}" for p in parts)
        click.echo(f"{submission.name[:40]:<40} {result.score:>5g}/{lab.max_score:g}  {cells}")
        if result.extra_data.get("ungraded"):
            click.echo(f"    {result.output}")
    click.echo(
        f"Graded {len(submissions)}; mean {total / len(submissions):.2f} / {lab.max_score:g}."
        f" Results in {out_dir}/"
    )


@main.command()
@click.option(
    "--solution",
    type=click.Path(exists=True, path_type=Path),
    default=Path("solutions/tf_intro/tf_intro.ipynb"),
    show_default=True,
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("assignments/tf_intro"),
    show_default=True,
)
def assign(solution: Path, out_dir: Path) -> None:
    """Generate the student notebook and public checks from the solution notebook."""
    from autograder.assign import generate_assignment

    written = generate_assignment(solution, out_dir)
    for file in written:
        click.echo(f"wrote {file}")


if __name__ == "__main__":
    sys.exit(main())
