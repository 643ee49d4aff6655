"""Settlement writes: appending a payout rate, closing a month into payout statements, and the
operator's confirmation. Each one transaction with its audit row; a statement is written once.

Closing (operator, month) counts every stay-linked consume and refund entry of the operator's
offices not yet counted by a statement: the month's stays as usage lines, entries of earlier
months' stays (refunds or extensions written after their month closed) as adjustment lines.
`StatementEntry` is unique per ledger entry, and a statement unique per operator and month, so
closing twice, or in two workers at once, changes nothing.
"""

import logging
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.offices.models import Office, Operator
from officepass.settlement.models import PayoutRate, Statement, StatementEntry, StatementLine
from officepass.settlement.selectors import day_start, network_date, rate_book
from officepass.tickets.models import LedgerEntry

log = logging.getLogger("officepass.worker")

MAX_YEN_PER_TICKET = 100_000


def issuer_name() -> str:
    # The network is one issuer: the invoices app's settings name it (docs/money.md).
    return str(getattr(settings, "INVOICE_ISSUER_NAME_JA", "") or "officepass")


def issuer_registration_number() -> str:
    """The network's registration number (the invoices app's issuer setting when present)."""
    return str(getattr(settings, "INVOICE_ISSUER_REGISTRATION_NUMBER", "") or "")


def tax_rate_percent() -> int:
    return int(getattr(settings, "PAYOUT_TAX_RATE_PERCENT", 10))


def tax_included(amount: int, percent: int) -> int:
    """The consumption tax inside a tax-included amount, rounded down once per document."""
    sign = -1 if amount < 0 else 1
    return sign * (abs(amount) * percent // (100 + percent))


def first_open_month(operator: Operator) -> date:
    """The first month without a statement: rates may start only from there on."""
    last = Statement.objects.filter(operator=operator).order_by("-month").first()
    if last is None:
        return date(1970, 1, 1)
    return clock.next_month_start(day_start(last.month)).date()


def payout_rate_add(
    *,
    actor: User,
    operator: Operator,
    yen_per_ticket: int,
    effective_from: date,
    office: Office | None = None,
    reason: str = "",
) -> PayoutRate:
    """Append a rate from `effective_from` (a network date). A closed month's figures never
    change, so a start inside a closed month is `rate_in_closed_month`; a second rate for the
    same scope and day is `rate_exists` (the database's unique constraint backs both races)."""
    if not 0 <= yen_per_ticket <= MAX_YEN_PER_TICKET:
        raise DomainError("invalid_input", field="yen_per_ticket")
    if office is not None and office.operator_id != operator.pk:
        raise DomainError("invalid_input", field="office")
    with transaction.atomic():
        Operator.objects.select_for_update().filter(pk=operator.pk).first()
        if effective_from < first_open_month(operator):
            raise DomainError("rate_in_closed_month", effective_from=effective_from.isoformat())
        scope = PayoutRate.objects.filter(operator=operator, office=office)
        if scope.filter(effective_from=effective_from).exists():
            raise DomainError("rate_exists", effective_from=effective_from.isoformat())
        try:
            with transaction.atomic():
                rate = PayoutRate.objects.create(
                    operator=operator,
                    office=office,
                    yen_per_ticket=yen_per_ticket,
                    effective_from=effective_from,
                    created_at=clock.now(),
                    created_by=actor,
                    reason=reason.strip()[:300],
                )
        except IntegrityError:
            raise DomainError("rate_exists", effective_from=effective_from.isoformat()) from None
        audit(
            actor=actor,
            action=AuditAction.PAYOUT_RATE_ADD,
            target=rate,
            operator=operator.pk,
            office=getattr(office, "pk", None),
            yen_per_ticket=yen_per_ticket,
            effective_from=effective_from.isoformat(),
            reason=rate.reason,
        )
    return rate


def _month_of(month: date) -> date:
    if month.day != 1:
        raise DomainError("invalid_input", field="month")
    return month


def statement_close(*, operator: Operator, month: date, actor: User | None = None) -> Statement:
    """The operator's statement for `month` (its first day): written once, returned as it is
    on every later call. Refused with `month_not_over` before the month has ended."""
    month = _month_of(month)
    start = day_start(month)
    end = clock.next_month_start(start)
    if clock.now() < end:
        raise DomainError("month_not_over", month=month.isoformat())
    existing = Statement.objects.filter(operator=operator, month=month).first()
    if existing is not None:
        return existing
    try:
        return _close(operator=operator, month=month, start=start, end=end, actor=actor)
    except IntegrityError:
        # Another process closed it first: its statement is the one.
        return Statement.objects.get(operator=operator, month=month)


def _close(
    *, operator: Operator, month: date, start: datetime, end: datetime, actor: User | None
) -> Statement:
    with transaction.atomic():
        locked = Operator.objects.select_for_update().get(pk=operator.pk)
        found = Statement.objects.filter(operator=locked, month=month).first()
        if found is not None:
            return found
        earliest = Statement.objects.filter(operator=locked).order_by("month").first()
        since = day_start(earliest.month) if earliest and earliest.month < month else start
        entries = list(
            LedgerEntry.objects.filter(
                kind__in=[LedgerEntry.Kind.CONSUME, LedgerEntry.Kind.REFUND],
                stay__office__operator=locked,
                stay__started_at__gte=since,
                stay__started_at__lt=end,
                statement_entry__isnull=True,
            )
            .values_list("pk", "tickets", "stay_id", "stay__office_id", "stay__started_at")
            .order_by("pk")
        )
        book = rate_book([locked.pk])
        grouped: dict[tuple[int, str, int], list[tuple[int, int, int]]] = defaultdict(list)
        for entry_id, tickets, stay_id, office_id, started_at in entries:
            usage = started_at >= start
            kind = str(StatementLine.Kind.USAGE if usage else StatementLine.Kind.ADJUSTMENT)
            rate = book.rate(locked.pk, office_id, network_date(started_at))
            grouped[(office_id, kind, rate)].append((entry_id, stay_id, -tickets))
        names = dict(Office.objects.filter(operator=locked).values_list("pk", "name"))
        percent = tax_rate_percent()
        statement = Statement.objects.create(
            operator=locked,
            month=month,
            number=f"PS-{month:%Y%m}-{locked.pk:06d}",
            closed_at=clock.now(),
            operator_name=locked.name,
            operator_registration_number=locked.registration_number,
            issuer_name=issuer_name(),
            issuer_registration_number=issuer_registration_number(),
            tax_rate_percent=percent,
        )
        links = []
        usage_stays: set[int] = set()
        for (office_id, line_kind, rate), rows in sorted(grouped.items()):
            tickets = sum(paid for *_, paid in rows)
            line = StatementLine.objects.create(
                statement=statement,
                office_id=office_id,
                office_name=names.get(office_id, ""),
                kind=line_kind,
                yen_per_ticket=rate,
                stays=len({stay_id for _, stay_id, _ in rows}),
                tickets=tickets,
                amount=tickets * rate,
            )
            if line_kind == StatementLine.Kind.USAGE:
                usage_stays |= {stay_id for _, stay_id, _ in rows}
            statement.tickets += tickets
            statement.amount += tickets * rate
            links += [
                StatementEntry(line=line, ledger_entry_id=entry_id, stay_id=stay_id, tickets=paid)
                for entry_id, stay_id, paid in rows
            ]
        StatementEntry.objects.bulk_create(links)
        statement.stays = len(usage_stays)
        statement.tax_amount = tax_included(statement.amount, percent)
        statement.save(update_fields=["stays", "tickets", "amount", "tax_amount"])
        audit(
            actor=actor,
            action=AuditAction.STATEMENT_CLOSE,
            target=statement,
            operator=locked.pk,
            month=month.isoformat(),
            amount=statement.amount,
            entries=len(links),
        )
    return statement


def previous_month(at: datetime | None = None) -> date:
    """The first day of the month before `at`'s (now's) on the network's calendar."""
    this = clock.month_start(at or clock.now())
    return clock.month_start(this - timedelta(days=1)).date()


def statements_close_month(
    *, month: date, actor: User | None = None, budget_seconds: float | None = None
) -> int:
    """Close `month` for every operator that has no statement for it yet; returns how many
    statements were written. With a budget, stops after the operator that used it up (the
    next call goes on where this one stopped)."""
    done = Statement.objects.filter(month=month).values("operator_id")
    started = time.monotonic()
    written = 0
    for operator in Operator.objects.exclude(pk__in=done).order_by("pk").iterator():
        statement_close(operator=operator, month=month, actor=actor)
        written += 1
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            break
    return written


# One tick closes operators for at most about this long, so the 1st of the month does not hold
# up the other tasks of the tick (forced checkouts); the next ticks go on.
CLOSE_BUDGET_SECONDS = 5.0


def statements_close_due() -> int:
    """The worker's task: once a month has ended on the network's calendar (from 00:00 on the
    first day of the next), close it for every operator, a few seconds' worth per tick. Ticks
    after that find nothing to do (one query)."""
    return statements_close_month(month=previous_month(), budget_seconds=CLOSE_BUDGET_SECONDS)


def statement_confirm(*, actor: User, statement: Statement) -> Statement:
    """The operator's staff confirm the statement (once; a second confirm changes nothing)."""
    with transaction.atomic():
        locked = Statement.objects.select_for_update().get(pk=statement.pk)
        if locked.status == Statement.Status.CONFIRMED:
            return locked
        locked.status = Statement.Status.CONFIRMED
        locked.confirmed_at = clock.now()
        locked.confirmed_by = actor
        locked.save(update_fields=["status", "confirmed_at", "confirmed_by"])
        audit(
            actor=actor,
            action=AuditAction.STATEMENT_CONFIRM,
            target=locked,
            number=locked.number,
            amount=locked.amount,
        )
    return locked
