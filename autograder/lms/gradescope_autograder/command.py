"""`autograder bundle`: the command, declared beside the runner it packs (cli.py adds it)."""

from pathlib import Path

import click

from autograder.lab import LabError, get_lab, only_lab
from autograder.lms.gradescope_autograder.build import BundleError, build_bundle
from autograder.lms.gradescope_autograder.run import Config


@click.command()
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The zip to upload as the assignment's autograder.",
)
@click.option(
    "--lab",
    "lab_name",
    default=None,
    help="A lab's name or a lab folder's path (default: the one built-in lab).",
)
@click.option(
    "--visibility",
    type=click.Choice(["visible", "hidden", "after_due_date", "after_published"]),
    default="visible",
    show_default=True,
    help="Gradescope: when students see their results.",
)
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
    try:
        lab = get_lab(lab_name or only_lab())
        config = Config(
            lab.reference, visibility, penalty, grace, penalty_cap, cell_timeout, timeout
        )
        entries = build_bundle(out_path, config)
    except (LabError, BundleError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {out_path} ({len(entries)} files): upload it as the autograder of a")
    click.echo("Gradescope programming assignment (Configure Autograder → Zip file upload).")
