"""Monthly usage and settlement, computed by SQL aggregation over stays and the ledger.

A month is a calendar month on the network's calendar (core.clock, NETWORK_TIME_ZONE); a stay
belongs to the month it started in, with every ticket movement linked to it. Tickets are the
stay's consumption (written with each `consume` ledger entry in the same transaction) less
the `refund` entries linked to the stay, so a report line equals the ledger's sum over its
stays (tests/console/test_reports.py checks it). Hours are from check-in to checkout, or to
the deadline while a stay is still active. Payout = each stay's net tickets × the payout rate
in force on the network date it started (settlement's effective-dated rates, an office's own
rate before its operator's); `rate` shows the rate in force on the month's last day.
"""

import calendar
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import (
    Coalesce,
    ExtractHour,
    ExtractIsoWeekDay,
    Least,
    TruncDate,
    TruncHour,
)

from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.offices.models import Office
from officepass.settlement.selectors import (
    RatePeriods,
    network_date,
    rate_periods,
    refunds_by_period,
)
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return clock.network_zone()

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return clock.next_month_start(self.start)

    @property
    def days(self) -> list[date]:
        count = calendar.monthrange(self.year, self.month)[1]
        return [date(self.year, self.month, d) for d in range(1, count + 1)]

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_parse(text: str | None) -> Month:
    """`YYYY-MM`, or the current month when empty; `invalid_input` otherwise."""
    if not text:
        start = clock.month_start(clock.now())
        return Month(start.year, start.month)
    try:
        year, month = (int(part) for part in text.split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError(text)
    except ValueError:
        raise DomainError("invalid_input", field="month") from None
    return Month(year, month)


DURATION = ExpressionWrapper(
    Least(Coalesce(F("ended_at"), F("deadline")), F("deadline")) - F("started_at"),
    output_field=DurationField(),
)
NOT_CANCELLED = ~Q(status=Stay.Status.CANCELLED)


def stays_in(month: Month, **filters: Any) -> QuerySet[Stay]:
    return Stay.objects.filter(started_at__gte=month.start, started_at__lt=month.end, **filters)


def _refunds_by(key: str, month: Month, **filters: Any) -> dict[Any, int]:
    rows = (
        LedgerEntry.objects.filter(
            kind=LedgerEntry.Kind.REFUND,
            # A refund is written after its stay started: this bound lets the partial index
            # ledger_refund_by_time find the month's refunds without reading the rest.
            effective_at__gte=month.start,
            stay__started_at__gte=month.start,
            stay__started_at__lt=month.end,
            **{f"stay__{k}": v for k, v in filters.items()},
        )
        .values(f"stay__{key}")
        .annotate(tickets=Sum("tickets"))
    )
    return {row[f"stay__{key}"]: int(row["tickets"]) for row in rows}


def _hours(value: timedelta | None) -> float:
    return round((value or timedelta()).total_seconds() / 3600, 2)


def usage_by(key: str, month: Month, **filters: Any) -> dict[Any, dict[str, Any]]:
    """check-ins, tickets (net of refunds) and hours per `key` (office_id, member_id …)."""
    rows = (
        stays_in(month, **filters)
        .values(key)
        .annotate(
            checkins=Count("id", filter=NOT_CANCELLED),
            consumed=Coalesce(Sum("tickets_consumed"), Value(0), output_field=IntegerField()),
            duration=Sum(DURATION, filter=NOT_CANCELLED),
        )
    )
    refunds = _refunds_by(key, month, **filters)
    usage = {}
    for row in rows:
        usage[row[key]] = {
            "checkins": row["checkins"],
            "tickets": row["consumed"] - refunds.get(row[key], 0),
            "hours": _hours(row["duration"]),
        }
    return usage


EMPTY = {"checkins": 0, "tickets": 0, "hours": 0.0}


def office_table(offices: QuerySet[Office], month: Month, **scope: Any) -> list[dict[str, Any]]:
    """One line per office of `offices` (idle ones too), with its payout. `scope` filters the
    stays the same way as `offices` (none for the whole network, so no join is needed)."""
    periods = rate_periods(month.start, month.end)
    usage = office_usage(month, periods, **scope)
    last_day = network_date(month.end) - timedelta(days=1)
    lines = []
    for office in offices.order_by("operator__name", "name", "id"):
        figures = usage.get(office.pk, EMPTY_OFFICE)
        rate = periods.book.rate(office.operator_id, office.pk, last_day)
        lines.append({"office": office, "rate": rate, **figures})
    return lines


EMPTY_OFFICE = {**EMPTY, "payout": 0}


def office_usage(month: Month, periods: RatePeriods, **scope: Any) -> dict[int, dict[str, Any]]:
    """usage_by("office_id") and each office's payout from one pass over the month's stays,
    grouped by office and rate period (each period paid at its rate)."""
    rows = (
        stays_in(month, **scope)
        .annotate(period=periods.expression("started_at"))
        .values("office_id", "period")
        .annotate(
            checkins=Count("id", filter=NOT_CANCELLED),
            consumed=Coalesce(Sum("tickets_consumed"), Value(0), output_field=IntegerField()),
            duration=Sum(DURATION, filter=NOT_CANCELLED),
        )
    )
    net: dict[tuple[int, int], int] = {}
    totals: dict[int, dict[str, Any]] = {}
    for row in rows:
        office = totals.setdefault(
            row["office_id"], {"checkins": 0, "tickets": 0, "duration": timedelta()}
        )
        office["checkins"] += row["checkins"]
        office["tickets"] += row["consumed"]
        office["duration"] += row["duration"] or timedelta()
        net[(row["office_id"], row["period"])] = row["consumed"]
    for office_id, index, refunded in refunds_by_period(periods, month.start, month.end, **scope):
        if office_id in totals:
            totals[office_id]["tickets"] -= refunded
        net[(office_id, index)] = net.get((office_id, index), 0) - refunded
    payout: dict[int, int] = {}
    for (office_id, index), tickets in net.items():
        payout[office_id] = payout.get(office_id, 0) + periods.payout(office_id, index, tickets)
    return {
        office_id: {
            "checkins": figures["checkins"],
            "tickets": figures["tickets"],
            "hours": _hours(figures["duration"]),
            "payout": payout.get(office_id, 0),
        }
        for office_id, figures in totals.items()
    }


def operator_table(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The office lines summed per operator."""
    totals: dict[int, dict[str, Any]] = {}
    for line in lines:
        operator = line["office"].operator
        row = totals.setdefault(
            operator.pk,
            {"operator": operator, "offices": 0, "checkins": 0, "tickets": 0, "hours": 0.0},
        )
        row["offices"] += 1
        row["checkins"] += line["checkins"]
        row["tickets"] += line["tickets"]
        row["hours"] = round(row["hours"] + line["hours"], 2)
        row["payout"] = row.get("payout", 0) + line["payout"]
    return list(totals.values())


def totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "checkins": sum(line["checkins"] for line in lines),
        "tickets": sum(line["tickets"] for line in lines),
        "hours": round(sum(line["hours"] for line in lines), 2),
        "payout": sum(line.get("payout", 0) for line in lines),
    }


def _hour_buckets(month: Month, hours: bool, **filters: Any) -> list[dict[str, Any]]:
    """Check-ins and time per UTC hour: at most 744 rows, read from the covering index, with
    no per-row time-zone arithmetic (the site's offset is a whole number of hours)."""
    figures: dict[str, Any] = {"checkins": Count("id")}
    if hours:
        figures["duration"] = Sum(DURATION)
    rows = (
        stays_in(month, **filters)
        .filter(NOT_CANCELLED)
        .annotate(bucket=TruncHour("started_at", tzinfo=UTC))
        .values("bucket")
        .annotate(**figures)
    )
    return [dict(row) for row in rows]


def _whole_hour_offsets(month: Month) -> bool:
    offsets = (
        month.tz.utcoffset(month.start.replace(tzinfo=None)),
        month.tz.utcoffset(month.end.replace(tzinfo=None)),
    )
    return all(o is not None and o.total_seconds() % 3600 == 0 for o in offsets)


def day_and_hour(
    month: Month, *, hours: bool = True, **filters: Any
) -> tuple[list[dict[str, Any]], list[list[int]]]:
    """Per local day (check-ins, and hours unless `hours` is False; idle days as zero) and the
    weekday × hour grid of check-ins (ISO weekday rows, Monday first; 24 starting hours)."""
    if not _whole_hour_offsets(month):
        return daily(month, **filters), heatmap(month, **filters)
    by_day: dict[date, dict[str, Any]] = {}
    grid = [[0] * 24 for _ in range(7)]
    for row in _hour_buckets(month, hours, **filters):
        local = row["bucket"].astimezone(month.tz)
        day = by_day.setdefault(local.date(), {"checkins": 0, "duration": timedelta()})
        day["checkins"] += row["checkins"]
        day["duration"] += row.get("duration") or timedelta()
        grid[local.isoweekday() - 1][local.hour] += row["checkins"]
    days = []
    for day_date in month.days:
        found = by_day.get(day_date, {})
        days.append(
            {
                "day": day_date,
                "checkins": found.get("checkins", 0),
                "hours": _hours(found.get("duration")),
            }
        )
    return days, grid


def daily(month: Month, **filters: Any) -> list[dict[str, Any]]:
    """Check-ins and hours per day of the month, with the local day computed per row."""
    rows = (
        stays_in(month, **filters)
        .filter(NOT_CANCELLED)
        .annotate(day=TruncDate("started_at", tzinfo=month.tz))
        .values("day")
        .annotate(checkins=Count("id"), duration=Sum(DURATION))
    )
    by_day = {row["day"]: row for row in rows}
    out = []
    for day in month.days:
        row: dict[str, Any] = dict(by_day.get(day, {}))
        out.append(
            {"day": day, "checkins": row.get("checkins", 0), "hours": _hours(row.get("duration"))}
        )
    return out


def heatmap(month: Month, **filters: Any) -> list[list[int]]:
    """Check-ins by ISO weekday (rows, Monday first) and local starting hour (24 columns)."""
    rows = (
        stays_in(month, **filters)
        .filter(NOT_CANCELLED)
        .annotate(
            dow=ExtractIsoWeekDay("started_at", tzinfo=month.tz),
            hour=ExtractHour("started_at", tzinfo=month.tz),
        )
        .values("dow", "hour")
        .annotate(checkins=Count("id"))
    )
    grid = [[0] * 24 for _ in range(7)]
    for row in rows:
        grid[row["dow"] - 1][row["hour"]] += row["checkins"]
    return grid


def stay_lines(month: Month, **filters: Any) -> QuerySet[Stay]:
    """The stays behind a report line, each with its net tickets."""
    refunded = Coalesce(
        Sum("ledger_entries__tickets", filter=Q(ledger_entries__kind=LedgerEntry.Kind.REFUND)),
        Value(0),
        output_field=IntegerField(),
    )
    return (
        stays_in(month, **filters)
        .select_related("member", "space", "office")
        .annotate(refunded=refunded, net_tickets=F("tickets_consumed") - refunded)
        .order_by("started_at", "id")
    )
