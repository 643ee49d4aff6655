"""Opening hours in the office's own time zone.

Format: ``{"mon": ["08:00", "22:00"], ..., "sun": None}``. ``None`` is closed all day;
``["00:00", "24:00"]`` is open all day; a close before the open runs past midnight
(``["18:00", "02:00"]``). Times are ``HH:MM`` from 00:00 to 24:00, and 24:00 only closes a
day (opening at 24:00 would be the next day's 00:00: a 32-hour "24:00–08:00"). ``closed_dates``
lists ISO dates (holidays) closed all day. Consecutive intervals that touch (24-hour days) join
into one, so a stay may cross midnight.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_lazy as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How many days of touching intervals are joined at most (an always-open office).
MAX_CHAIN_DAYS = 8
HHMM = re.compile(r"[0-9]{2}:[0-9]{2}")
CODE = "invalid_opening_hours"
REASONS = {
    "time_zone": _("Unknown time zone."),
    "days": _("Give the opening hours of every weekday, mon to sun (null when closed)."),
    "span": _("Give each day as [open, close] or null."),
    "time": _("Times are HH:MM from 00:00 to 24:00."),
    "opens_at_24": _("24:00 can only close a day; open at 00:00 instead."),
    "same": _("The opening and closing times are the same."),
    "closed_dates": _("Closed dates are ISO dates (YYYY-MM-DD)."),
}


class HoursError(ValueError):
    """Unusable opening hours: `code` is stable for every case, `reason` names the rule broken
    and `day` the weekday; str() is the translated explanation."""

    code = CODE

    def __init__(self, reason: str, day: str | None = None) -> None:
        self.reason = reason
        self.day = day
        super().__init__(reason)

    def __str__(self) -> str:
        text = str(REASONS[self.reason])
        return f"{self.day}: {text}" if self.day else text


def always_open() -> dict[str, list[str]]:
    return {day: ["00:00", "24:00"] for day in DAYS}


def _parse_time(value: Any) -> tuple[int, int]:
    if not isinstance(value, str) or not HHMM.fullmatch(value):
        raise HoursError("time")
    hour, minute = int(value[:2]), int(value[3:])
    if not (0 <= hour <= 24 and 0 <= minute < 60) or (hour == 24 and minute):
        raise HoursError("time")
    return hour, minute


def _validate_span(day: str, span: Any) -> None:
    if not isinstance(span, list | tuple) or len(span) != 2:
        raise HoursError("span", day)
    try:
        opens, closes = _parse_time(span[0]), _parse_time(span[1])
    except HoursError as exc:
        raise HoursError(exc.reason, day) from None
    if opens == (24, 0):
        raise HoursError("opens_at_24", day)
    if opens == closes:
        raise HoursError("same", day)


def validate(opening_hours: Any, closed_dates: Any, tz: str) -> None:
    """Raise HoursError (a ValueError with a stable code) if the hours cannot be used."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError("time_zone") from None
    if not isinstance(opening_hours, dict) or set(opening_hours) != set(DAYS):
        raise HoursError("days")
    for day, span in opening_hours.items():
        if span is not None:
            _validate_span(day, span)
    if not isinstance(closed_dates or [], list):
        raise HoursError("closed_dates")
    for item in closed_dates or []:
        try:
            date.fromisoformat(item)
        except (TypeError, ValueError):
            raise HoursError("closed_dates") from None


def _day_interval(
    opening_hours: dict[str, Any], closed: set[str], tz: ZoneInfo, day: date
) -> tuple[datetime, datetime] | None:
    span = opening_hours.get(DAYS[day.weekday()])
    if span is None or day.isoformat() in closed:
        return None
    (oh, om), (ch, cm) = _parse_time(span[0]), _parse_time(span[1])
    start = datetime.combine(day, time(oh % 24, om), tz)
    close_day = day + timedelta(days=1) if (ch, cm) <= (oh, om) or ch == 24 else day
    end = datetime.combine(close_day, time(ch % 24, cm), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def open_window(
    opening_hours: dict[str, Any], closed_dates: Sequence[str], tz_name: str, at: datetime
) -> tuple[datetime, datetime] | None:
    """The open interval (UTC) that contains `at`, joined across touching days; None if closed."""
    tz = ZoneInfo(tz_name)
    closed = set(closed_dates or [])
    local_day = at.astimezone(tz).date()
    for day in (local_day - timedelta(days=1), local_day):
        interval = _day_interval(opening_hours, closed, tz, day)
        if interval and interval[0] <= at < interval[1]:
            start, end = interval
            for offset in range(1, MAX_CHAIN_DAYS):
                following = _day_interval(opening_hours, closed, tz, day + timedelta(days=offset))
                if following is None or following[0] != end:
                    break
                end = following[1]
            return start, end
    return None


def next_opening(
    opening_hours: dict[str, Any], closed_dates: Sequence[str], tz_name: str, at: datetime
) -> datetime | None:
    """When the office next opens after `at` (UTC); None if it never opens within a week."""
    tz = ZoneInfo(tz_name)
    closed = set(closed_dates or [])
    local_day = at.astimezone(tz).date()
    for offset in range(MAX_CHAIN_DAYS + 1):
        interval = _day_interval(opening_hours, closed, tz, local_day + timedelta(days=offset))
        if interval and interval[0] > at:
            return interval[0]
    return None


@dataclass(frozen=True)
class OpenState:
    """The network's one answer to "can I go there now": open now, until when, or from when."""

    open_now: bool
    opens_at: datetime | None
    closes_at: datetime | None


def open_state(
    opening_hours: dict[str, Any], closed_dates: Sequence[str], tz_name: str, at: datetime
) -> OpenState:
    window = open_window(opening_hours, closed_dates, tz_name, at)
    if window is not None:
        return OpenState(open_now=True, opens_at=window[0], closes_at=window[1])
    return OpenState(
        open_now=False,
        opens_at=next_opening(opening_hours, closed_dates, tz_name, at),
        closes_at=None,
    )
