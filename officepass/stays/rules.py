"""Pure rules about time and tickets (no database writes)."""

import math
from datetime import datetime, timedelta
from functools import cache

from django.db import connection
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from officepass.accounts.models import Plan, User
from officepass.core.errors import DomainError
from officepass.offices import hours
from officepass.offices.models import Office, Space
from officepass.offices.selectors import PlanCoverage


def tickets_for(minutes: int, unit_minutes: int) -> int:
    """Tickets are counted as chosen: ceil(minutes / unit) (rule 2; 240 min at 120 = 2)."""
    return math.ceil(minutes / unit_minutes)


def unused_units(left: timedelta, unit_minutes: int) -> int:
    """Whole units in the time left before the deadline (fair use: 170 min of 120 → 1)."""
    return max(int(left.total_seconds() // 60) // unit_minutes, 0)


def open_until(office: Office, at: datetime) -> datetime:
    """When the office closes, for a stay starting at `at`; `office_closed` if closed now."""
    window = hours.open_window(office.opening_hours, office.closed_dates, office.timezone, at)
    if window is None:
        raise DomainError("office_closed")
    return window[1]


def duration_options(office: Office, at: datetime) -> list[int]:
    """Selectable minutes: multiples of the step, up to the maximum and closing time (rule 3)."""
    closes = open_until(office, at)
    room = min(office.max_stay_minutes, int((closes - at).total_seconds() // 60))
    return list(range(office.step, room + 1, office.step))


def check_duration(
    office: Office, minutes: int, *, start: datetime, now: datetime, past_closing: str
) -> datetime:
    """The deadline for `minutes` added to `start`, or the stable error that refuses it.

    Closing time is that of the opening window around `now` (check-in: start == now;
    extension: start is the current deadline).
    """
    if minutes <= 0 or minutes % office.step or minutes > office.max_stay_minutes:
        raise DomainError("invalid_duration", step=office.step, max_minutes=office.max_stay_minutes)
    closes = open_until(office, now)
    deadline = start + timedelta(minutes=minutes)
    if deadline > closes:
        raise DomainError(past_closing, closes_at=closes.isoformat())
    return deadline


def extension_window_message(office: Office) -> Promise:
    """The extension_not_open message with the office's own window (rule 8), not a fixed 15."""
    return format_lazy(
        _("You can extend from {minutes} minutes before the checkout deadline."),
        minutes=office.extension_window_minutes,
    )


def check_plan_covers(
    member: User, space: Space, *, now: datetime, coverage: PlanCoverage | None = None
) -> None:
    """Whether the member's plan lets them in here now (read-only checks before check-in).

    `payment_required` once a failed renewal's grace period is over (a running stay is never
    cut short: this is only asked at check-in); `plan_not_valid_here` when the plan lists the
    offices or seat types it covers and this space is not among them. `coverage`, read with
    the space for the member's plan, saves asking the database again.
    """
    if member.payment_grace_ends_at is not None and member.payment_grace_ends_at <= now:
        raise DomainError("payment_required")
    plan = member.plan
    if plan is None:
        raise DomainError("no_plan")
    if plan.seat_types and space.seat_type not in plan.seat_types:
        raise DomainError("plan_not_valid_here", covers="seat_types")
    if coverage is not None and coverage.plan_id == plan.pk:
        limited, covered = coverage.lists_offices, coverage.lists_office
    else:
        limited, covered = _plan_offices(plan.pk, space.office_id)
    if limited and not covered:
        raise DomainError("plan_not_valid_here", covers="offices")


def _plan_offices(plan_id: int, office_id: int) -> tuple[bool, bool]:
    """Whether the plan lists offices, and whether it lists this one: one statement, its
    text built once (every check-in asks, issue 18)."""
    with connection.cursor() as cursor:
        cursor.execute(_plan_offices_sql(), [plan_id, plan_id, office_id])
        limited, covered = cursor.fetchone()
    return bool(limited), bool(covered)


@cache
def _plan_offices_sql() -> str:
    field = Plan._meta.get_field("offices")
    quote = connection.ops.quote_name
    table = quote(Plan.offices.through._meta.db_table)  # the table of the plan's offices
    plan_col, office_col = quote(field.m2m_column_name()), quote(field.m2m_reverse_name())
    return (
        f"SELECT EXISTS(SELECT 1 FROM {table} WHERE {plan_col} = %s), "  # noqa: S608
        f"EXISTS(SELECT 1 FROM {table} WHERE {plan_col} = %s AND {office_col} = %s)"
    )
