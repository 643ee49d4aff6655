"""Reads of settlement: which payout rate holds for an office on a network date, the payout of
a month per office (for the console's reports), and the statements a person may see."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from officepass.accounts.access import OPERATOR, SECRETARIAT, roles_of
from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.offices.models import Office, Operator
from officepass.settlement.models import PayoutRate, Statement
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry


def network_date(at: datetime) -> date:
    """The day of `at` on the network's calendar (rates start on network dates)."""
    return at.astimezone(clock.network_zone()).date()


def day_start(day: date) -> datetime:
    """00:00 of a network date (aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=clock.network_zone())


@dataclass
class RateBook:
    """Every rate of some operators, to answer "which rate on this day" without a query."""

    legacy: dict[int, int] = field(default_factory=dict)  # operator → opening rate
    by_operator: dict[int, list[tuple[date, int]]] = field(default_factory=dict)
    by_office: dict[int, list[tuple[date, int]]] = field(default_factory=dict)

    def rate(self, operator_id: int, office_id: int, day: date) -> int:
        for start, yen in self.by_office.get(office_id, ()):
            if start <= day:
                return yen
        for start, yen in self.by_operator.get(operator_id, ()):
            if start <= day:
                return yen
        return self.legacy.get(operator_id, 0)

    def starts_between(self, first: date, end: date) -> list[date]:
        """Rate start dates after `first` and before `end` (the change days of a period)."""
        days = {
            start
            for timeline in (*self.by_operator.values(), *self.by_office.values())
            for start, _ in timeline
            if first < start < end
        }
        return sorted(days)


def rate_book(operator_ids: Iterable[int] | None = None) -> RateBook:
    """The rates of `operator_ids` (every operator when None), newest first per scope."""
    operators = Operator.objects.all()
    rates = PayoutRate.objects.order_by("-effective_from")
    if operator_ids is not None:
        ids = list(operator_ids)
        operators = operators.filter(pk__in=ids)
        rates = rates.filter(operator_id__in=ids)
    book = RateBook(legacy=dict(operators.values_list("pk", "payout_per_ticket")))
    for operator_id, office_id, start, yen in rates.values_list(
        "operator_id", "office_id", "effective_from", "yen_per_ticket"
    ):
        target = book.by_office.setdefault(office_id, []) if office_id else None
        if target is None:
            target = book.by_operator.setdefault(operator_id, [])
        target.append((start, yen))
    return book


def rate_today(operator: Operator, office: Office | None = None) -> int:
    """The rate in force now for the operator (or one of its offices)."""
    book = rate_book([operator.pk])
    office_id = office.pk if office else 0
    return book.rate(operator.pk, office_id, network_date(clock.now()))


def rates_of(operator: Operator) -> QuerySet[PayoutRate]:
    return PayoutRate.objects.filter(operator=operator).select_related("office", "created_by")


def _period(started_at: str, bounds: list[datetime]) -> Any:
    """Which rate period a stay's start falls in: 0 before the first change, 1 after it …"""
    if not bounds:
        return Value(0, output_field=IntegerField())
    whens = [When(Q(**{f"{started_at}__lt": b}), then=Value(i)) for i, b in enumerate(bounds)]
    return Case(*whens, default=Value(len(bounds)), output_field=IntegerField())


@dataclass
class RatePeriods:
    """The rate periods of [start, end): split at each rate's start date inside it, so stays
    can be grouped by period in SQL and paid at their period's rate here."""

    book: RateBook
    bounds: list[datetime]
    days: list[date]
    operator_of: dict[int, int]

    def expression(self, started_at: str) -> Any:
        return _period(started_at, self.bounds)

    def payout(self, office_id: int, period: int, tickets: int) -> int:
        operator_id = self.operator_of.get(office_id, 0)
        return tickets * self.book.rate(operator_id, office_id, self.days[period])


def rate_periods(start: datetime, end: datetime) -> RatePeriods:
    book = rate_book()
    changes = book.starts_between(network_date(start), network_date(end))
    return RatePeriods(
        book=book,
        bounds=[day_start(day) for day in changes],
        days=[network_date(start), *changes],
        operator_of=dict(Office.objects.values_list("pk", "operator_id")),
    )


def payout_by_office(start: datetime, end: datetime, **filters: Any) -> dict[int, int]:
    """Yen per office for the stays started in [start, end): each stay's net tickets (consumed
    less its refunds) at the rate in force on the network date it started. Stays are grouped
    by the periods between rate changes, so the query count does not grow with the stays."""
    periods = rate_periods(start, end)
    stays = Stay.objects.filter(started_at__gte=start, started_at__lt=end, **filters)
    consumed = stays.annotate(period=periods.expression("started_at")).values("office_id", "period")
    tickets: dict[tuple[int, int], int] = defaultdict(int)
    for office_id, index, count in consumed.annotate(
        n=Coalesce(Sum("tickets_consumed"), Value(0), output_field=IntegerField())
    ).values_list("office_id", "period", "n"):
        tickets[(office_id, index)] += count
    for office_id, index, refunded in refunds_by_period(periods, start, end, **filters):
        tickets[(office_id, index)] -= refunded
    payout: dict[int, int] = defaultdict(int)
    for (office_id, index), count in tickets.items():
        payout[office_id] += periods.payout(office_id, index, count)
    return dict(payout)


def refunds_by_period(
    periods: RatePeriods, start: datetime, end: datetime, **filters: Any
) -> list[tuple[int, int, int]]:
    """(office, period, tickets refunded) for the refunds of the stays started in [start, end)."""
    rows = (
        LedgerEntry.objects.filter(
            kind=LedgerEntry.Kind.REFUND,
            # A refund is written after its stay started (the partial index's bound).
            effective_at__gte=start,
            stay__started_at__gte=start,
            stay__started_at__lt=end,
            **{f"stay__{k}": v for k, v in filters.items()},
        )
        .annotate(period=periods.expression("stay__started_at"))
        .values("stay__office_id", "period")
        .annotate(n=Sum("tickets"))
        .values_list("stay__office_id", "period", "n")
    )
    return [(office_id, index, int(n)) for office_id, index, n in rows]


def statements_visible(user: User) -> QuerySet[Statement]:
    """The secretariat sees every statement, operator staff their operator's."""
    statements = Statement.objects.select_related("operator")
    roles = roles_of(user)
    if SECRETARIAT in roles:
        return statements
    if OPERATOR in roles and user.operator_id:
        return statements.filter(operator_id=user.operator_id)
    return statements.none()


def access_statement(*, user: User, statement_id: int) -> Statement:
    """A statement the user may see, else `not_found` (nothing leaks that it exists)."""
    found = statements_visible(user).filter(pk=statement_id).first()
    if found is None:
        raise DomainError("not_found")
    return found
