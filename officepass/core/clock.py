"""The one clock every rule reads, in UTC, so tests can move it with time_machine; and the
network's calendar (months are reckoned in NETWORK_TIME_ZONE, Asia/Tokyo by default)."""

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def network_zone() -> zoneinfo.ZoneInfo:
    """The time zone of the network's calendar: cycles, caps, reports and statements."""
    return zoneinfo.ZoneInfo(settings.NETWORK_TIME_ZONE)


def month_start(at: datetime) -> datetime:
    """00:00 on the first day of `at`'s month on the network's calendar (aware)."""
    local = at.astimezone(network_zone())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(at: datetime) -> datetime:
    """00:00 on the first day of the month after `at`'s, on the network's calendar."""
    start = month_start(at)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month)


def iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 for the API and the pages (None stays None)."""
    return value.isoformat() if value else None


def network_iso(value: datetime | None) -> str:
    """An instant on the network's calendar with its offset, to the second (reports and CSV:
    issue 15 item 7); "" for None."""
    return value.astimezone(network_zone()).isoformat(timespec="seconds") if value else ""
