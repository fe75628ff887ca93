"""Moodle's grading worksheet, filled in, for "Upload grading worksheet".

Written from the worksheet the teacher downloaded (given as --roster): the same columns
in the same order and every row with its Identifier unchanged, with Grade, Feedback
comments and "Last modified (grade)" filled in. Moodle skips a row whose grade in Moodle
was modified after that row's "Last modified (grade)", so the export time goes there, in
the form the worksheet itself uses ("Saturday, 28 November 2026, 6:47 PM", which PHP's
strtotime reads in the Moodle server's time zone).
"""

import csv
from datetime import datetime
from pathlib import Path

from autograder.exports import ExportError, ExportOptions, score_text
from autograder.exports.moodle import feedback
from autograder.roster import norm
from autograder.standing import Standing

GRADE = "Grade"
FEEDBACK = "Feedback comments"
MODIFIED = "Last modified (grade)"
# English names, whatever the locale: the worksheet's dates are Moodle's English ones.
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def worksheet_time(moment: datetime) -> str:
    """A time as Moodle's worksheet writes it (userdate, strftimedaydatetime)."""
    hour = moment.hour % 12 or 12
    return (
        f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year},"
        f" {hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    )


def write(
    standing: Standing, path: Path, options: ExportOptions, now: datetime | None = None
) -> None:
    rows = [entry.student.extra for entry in standing.entries]
    if not rows or not all(entry.student.participant_id for entry in standing.entries):
        raise ExportError(
            "moodle-worksheet writes back Moodle's grading worksheet: give the worksheet"
            " (Grading action → Download grading worksheet) as --roster"
        )
    columns = list(rows[0])
    headers = {norm(column): column for column in columns}
    stamp = worksheet_time(now or datetime.now().astimezone())
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        for entry in standing.entries:
            filled = {
                norm(GRADE): score_text(entry.final),
                norm(FEEDBACK): feedback(entry, standing.max_score),
                norm(MODIFIED): stamp,
            }
            row = dict(entry.student.extra)
            for key, value in filled.items():
                if key in headers:  # no feedback column when the assignment has none
                    row[headers[key]] = value
            writer.writerow(row)
