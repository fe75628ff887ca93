"""The late policy: a due date with its time zone, a grace period, and a penalty.

Lateness is measured from the due date. The grace period only decides whether a
submission counts as late at all: one minute past the grace period is a day late.
A percentage penalty is a percentage of the points possible per day or part of a day,
as LMS late policies count it, up to a cap; the final score never goes below 0.
"""

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = timedelta(days=1)


class PolicyError(ValueError):
    """A late-policy option that can't be understood; the message says how to write it."""


@dataclass(frozen=True)
class LatePolicy:
    due: datetime  # aware
    grace: timedelta = timedelta(0)
    penalty: str = "none"  # none | zero | percent
    percent_per_day: float = 0.0
    cap_percent: float = 100.0

    def describe(self) -> str:
        rule = {
            "none": "no penalty",
            "zero": "late work scores 0",
            "percent": f"−{self.percent_per_day:g}% per day or part of a day,"
            f" at most −{self.cap_percent:g}%",
        }[self.penalty]
        grace = f", {_duration_text(self.grace)} of grace" if self.grace else ""
        return f"due {self.due.isoformat()}{grace}; {rule}"


@dataclass(frozen=True)
class Lateness:
    source: str  # where the submission time or the late mark came from
    late_by: timedelta | None  # None: marked late, but when is unknown
    days: int  # days or parts of a day past the due date that count
    penalty: float  # points taken off
    final: float

    def describe(self, raw: float, max_score: float) -> str:
        if not self.days:
            return ""
        when = f"{_duration_text(self.late_by)} late" if self.late_by else "marked late"
        return (
            f"Late: {when} ({self.source}), {self.days} day(s) counted; {raw:g} − "
            f"{self.penalty:g} = {self.final:g} / {max_score:g}."
        )


def parse_policy(
    due: str, timezone: str | None, grace: str, penalty: str, cap: str | None
) -> LatePolicy:
    try:
        moment = datetime.fromisoformat(due)
    except ValueError:
        raise PolicyError(f"--due {due!r}: write it as 2026-12-01T23:59") from None
    if moment.tzinfo is None and not timezone:
        raise PolicyError(
            f"--due {due!r} has no time zone: add one (2026-12-01T23:59-05:00) or give"
            " --timezone America/Chicago"
        )
    if timezone:
        zone = _zone(timezone)
        # The due date's zone is also the one a platform's naive submission times are read
        # in (Blackboard's attempt stamps): with --timezone given, that is always it.
        moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    kind, per_day = _penalty(penalty)
    cap_percent = _percent(cap, "--penalty-cap") if cap else 100.0
    return LatePolicy(moment, parse_duration(grace), kind, per_day, cap_percent)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"--timezone {timezone!r} is not a known time zone") from None


def _penalty(text: str) -> tuple[str, float]:
    text = text.strip().lower()
    if text in ("none", "zero"):
        return text, 0.0
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%(?:/day)?", text)
    if match is None:
        raise PolicyError(f"--penalty {text!r}: use none, zero, or a percentage per day (10%)")
    return "percent", float(match[1])


def _percent(text: str, option: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%?", text.strip())
    if match is None:
        raise PolicyError(f"{option} {text!r}: write a percentage such as 50%")
    return float(match[1])


def parse_duration(text: str) -> timedelta:
    """ "0", "15m", "2h", "1d", "1h30m"."""
    text = text.strip().lower()
    if text in ("", "0"):
        return timedelta(0)
    parts = re.findall(r"(\d+(?:\.\d+)?)([dhm])", text)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != text:
        raise PolicyError(f"--grace {text!r}: write it as 15m, 2h, 1d or 1h30m")
    units = {"d": "days", "h": "hours", "m": "minutes"}
    return sum((timedelta(**{units[u]: float(n)}) for n, u in parts), timedelta(0))


def assess(
    policy: LatePolicy,
    raw: float,
    max_score: float,
    submitted_at: datetime | None,
    marked_late: bool,
    source: str,
) -> Lateness:
    """What lateness costs, from a submission time, or failing that a platform's late mark."""
    if submitted_at is not None:
        late_by = submitted_at - policy.due
        if late_by <= policy.grace:
            return Lateness(source, None, 0, 0.0, raw)
        days = math.ceil(late_by / DAY)
    elif marked_late:
        late_by, days = None, 1  # the platform says late but not by how much: one day
    else:
        return Lateness(source, None, 0, 0.0, raw)
    if policy.penalty == "none":
        penalty = 0.0
    elif policy.penalty == "zero":
        penalty = raw
    else:
        percent = min(days * policy.percent_per_day, policy.cap_percent)
        penalty = min(raw, round(max_score * percent / 100, 6))
    return Lateness(source, late_by, days, penalty, round(raw - penalty, 6))


def _duration_text(delta: timedelta | None) -> str:
    minutes = round(delta.total_seconds() / 60) if delta else 0
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return " ".join(parts) or "0 min"


def parse_time(text: str | None, zone=UTC) -> datetime | None:
    """A platform's submission time; a time without an offset is read in `zone`."""
    if not text:
        return None
    # Gradescope writes "2026-12-03 21:30:00.123456000 -0500": ISO once tidied
    tidy = re.sub(r"\s+([+-]\d{2}:?\d{2})$", r"\1", str(text).strip()).replace(" ", "T", 1)
    tidy = re.sub(r"(\.\d{6})\d+", r"\1", tidy)
    try:
        moment = datetime.fromisoformat(tidy)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
