"""Hostile instants for `pytest --start-at=…`: the whole suite runs with the clock started there.

Each named instant is the next one after the real now, so a run never starts in the past (a
browser would drop cookies that expired before its own clock): the last minute of this month in
the network's time zone (the UTC date is still the day before in Tokyo's morning, and the month
turns a minute into the run), 31 December 23:59, and 29 February 23:59 (both local).
"""

import calendar
from datetime import datetime, timedelta

from officepass.core.clock import network_zone

NAMES = ("month-end", "year-end", "leap-day")


def _last_minute_of_month(now: datetime) -> datetime:
    days = calendar.monthrange(now.year, now.month)[1]
    at = now.replace(day=days, hour=23, minute=59, second=0, microsecond=0)
    if at <= now:  # inside the very last minute: take next month's
        return _last_minute_of_month(at + timedelta(minutes=2))
    return at


def _next(now: datetime, month: int, day: int) -> datetime:
    year = now.year
    while True:
        if day <= calendar.monthrange(year, month)[1]:
            at = datetime(year, month, day, 23, 59, tzinfo=now.tzinfo)
            if at > now:
                return at
        year += 1


def instant(name: str, now: datetime) -> datetime:
    """The named instant (or an ISO 8601 one with its offset) after `now`."""
    local = now.astimezone(network_zone())
    if name == "month-end":
        return _last_minute_of_month(local)
    if name == "year-end":
        return _next(local, 12, 31)
    if name == "leap-day":
        return _next(local, 2, 29)
    at = datetime.fromisoformat(name)
    if at.tzinfo is None:
        raise ValueError(f"--start-at needs an offset or one of {', '.join(NAMES)}: {name}")
    return at
