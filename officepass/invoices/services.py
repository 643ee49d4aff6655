"""Writes of the money ledger and its documents (docs/money.md). Called by payments (card
charges, refunds) and by the worker (company invoices); each runs in the caller's transaction
(its own atomic block), does no network I/O, and writes an audit row."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery, Sum

from officepass.accounts.models import Company, User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.invoices.issuer import issuer
from officepass.invoices.models import (
    TAX_RATES,
    ChargeRefunds,
    CompanyInvoice,
    CompanyInvoicePayment,
    CompanyTicketRate,
    DocumentCounter,
    DocumentKind,
    MoneyEntry,
    Receipt,
    ReturnInvoice,
)
from officepass.invoices.tax import as_json, rate_totals
from officepass.offices.models import Office
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SaleLine:
    description_ja: str
    description_en: str
    amount_yen: int  # tax included, > 0
    tax_rate_percent: int  # 10, 8 or 0


def _lock_counter(kind: str) -> None:
    """Take the numbering lock of a document kind (held until the caller commits): whoever
    holds it is the only one issuing that kind, so an existence check after it is reliable."""
    DocumentCounter.objects.get_or_create(kind=kind)
    list(DocumentCounter.objects.select_for_update().filter(kind=kind).values_list("kind"))


def _next_number(kind: str) -> int:
    """The next gap-free number of `kind`: one guarded UPDATE … RETURNING in the issuing
    transaction (a rollback gives the number back; the row lock orders concurrent issuers)."""
    table = DocumentCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1 WHERE kind = %s "  # noqa: S608
            "RETURNING last_number",
            [kind],
        )
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - _lock_counter created it
        raise RuntimeError(f"no counter for {kind}")
    return int(row[0])


def _check_line(line: SaleLine) -> None:
    if not isinstance(line.amount_yen, int) or line.amount_yen <= 0:
        raise DomainError("invalid_amount", field="amount_yen")
    if line.tax_rate_percent not in TAX_RATES:
        raise DomainError("invalid_tax_rate", field="tax_rate_percent")
    if not line.description_ja or not line.description_en:
        raise DomainError("invalid_input", field="description")


def record_charge(
    *,
    payer: User,
    provider: str,
    provider_reference: str,
    occurred_at: datetime,
    lines: Sequence[SaleLine],
    company: Company | None = None,
    actor: User | None = None,
) -> Receipt:
    """Append a card charge to the money ledger and issue its receipt (領収書, qualified
    invoice) in the caller's transaction. Idempotent on (provider, provider_reference): a
    repeat returns the first receipt and writes nothing."""
    if not lines:
        raise DomainError("invalid_input", field="lines")
    for line in lines:
        _check_line(line)
    if not provider or not provider_reference:
        raise DomainError("invalid_input", field="provider_reference")
    with transaction.atomic():
        existing = Receipt.objects.filter(
            provider=provider, provider_reference=provider_reference
        ).first()
        if existing:
            return existing
        _lock_counter(DocumentKind.RECEIPT)
        existing = Receipt.objects.filter(
            provider=provider, provider_reference=provider_reference
        ).first()
        if existing:
            return existing
        totals = rate_totals((line.amount_yen, line.tax_rate_percent) for line in lines)
        who = issuer()
        now = clock.now()
        receipt = Receipt.objects.create(
            number=_next_number(DocumentKind.RECEIPT),
            issued_at=now,
            issuer_name_ja=who.name_ja,
            issuer_name_en=who.name_en,
            issuer_registration_number=who.registration_number,
            total_yen=sum(t.total_yen for t in totals),
            tax_yen=sum(t.tax_yen for t in totals),
            rate_totals=as_json(totals),
            payer=payer,
            company=company,
            recipient_name=company.name if company else (payer.name or payer.email),
            provider=provider,
            provider_reference=provider_reference,
            occurred_at=occurred_at,
        )
        MoneyEntry.objects.bulk_create(
            [
                MoneyEntry(
                    kind=MoneyEntry.Kind.CHARGE,
                    amount_yen=line.amount_yen,
                    tax_rate_percent=line.tax_rate_percent,
                    description_ja=line.description_ja,
                    description_en=line.description_en,
                    payer=payer,
                    company=company,
                    receipt=receipt,
                    occurred_at=occurred_at,
                    created_at=now,
                    created_by=actor,
                )
                for line in lines
            ]
        )
        ChargeRefunds.objects.create(receipt=receipt, charged_yen=receipt.total_yen)
        audit(
            actor=actor,
            action=AuditAction.MONEY_CHARGE,
            target=receipt,
            number=receipt.code,
            total_yen=receipt.total_yen,
            provider=provider,
            provider_reference=provider_reference,
        )
    return receipt


def _claim_refund(receipt: Receipt, amount_yen: int) -> bool:
    """refunded_yen += amount only if it stays ≤ the charge (guarded UPDATE; the row lock
    orders concurrent refunds of one charge)."""
    table = ChargeRefunds._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET refunded_yen = refunded_yen + %s "  # noqa: S608
            "WHERE receipt_id = %s AND refunded_yen + %s <= charged_yen",
            [amount_yen, receipt.pk, amount_yen],
        )
        return cursor.rowcount == 1


def record_refund(
    *,
    receipt: Receipt,
    amount_yen: int,
    reason: str,
    provider: str,
    provider_reference: str,
    occurred_at: datetime,
    actor: User | None,
) -> ReturnInvoice:
    """Append a money refund (new negative entries, never an edit) against the receipt's
    charge and issue a return invoice (返還インボイス). Idempotent on (provider,
    provider_reference). Refunds never exceed what was charged.

    The refund is set against the receipt's lines in order (each line up to what is left of
    it), so the return invoice shows the refund per tax rate of what was sold."""
    if not isinstance(amount_yen, int) or amount_yen <= 0:
        raise DomainError("invalid_amount", field="amount_yen")
    if not reason.strip():
        raise DomainError("invalid_input", field="reason")
    if not provider or not provider_reference:
        raise DomainError("invalid_input", field="provider_reference")
    with transaction.atomic():
        existing = ReturnInvoice.objects.filter(
            provider=provider, provider_reference=provider_reference
        ).first()
        if existing:
            return existing
        _lock_counter(DocumentKind.RETURN_INVOICE)
        existing = ReturnInvoice.objects.filter(
            provider=provider, provider_reference=provider_reference
        ).first()
        if existing:
            return existing
        if not _claim_refund(receipt, amount_yen):
            refunds = ChargeRefunds.objects.get(receipt=receipt)
            raise DomainError(
                "refund_exceeds_charge",
                charged_yen=refunds.charged_yen,
                refunded_yen=refunds.refunded_yen,
                requested_yen=amount_yen,
            )
        # Allocate over the charge lines, each up to what is still unrefunded of it.
        allocation: list[tuple[MoneyEntry, int]] = []
        left = amount_yen
        for charge in receipt.entries.order_by("id"):
            already = -(charge.refund_entries.aggregate(s=Sum("amount_yen"))["s"] or 0)
            take = min(left, charge.amount_yen - already)
            if take > 0:
                allocation.append((charge, take))
                left -= take
            if left == 0:
                break
        if left:  # the ledger disagrees with the guard row: refuse rather than guess
            raise DomainError("refund_exceeds_charge", requested_yen=amount_yen)
        totals = rate_totals((take, charge.tax_rate_percent) for charge, take in allocation)
        who = issuer()
        now = clock.now()
        document = ReturnInvoice.objects.create(
            number=_next_number(DocumentKind.RETURN_INVOICE),
            issued_at=now,
            issuer_name_ja=who.name_ja,
            issuer_name_en=who.name_en,
            issuer_registration_number=who.registration_number,
            total_yen=amount_yen,
            tax_yen=sum(t.tax_yen for t in totals),
            rate_totals=as_json(totals),
            receipt=receipt,
            payer=receipt.payer,
            reason=reason.strip(),
            provider=provider,
            provider_reference=provider_reference,
            occurred_at=occurred_at,
            created_by=actor,
        )
        MoneyEntry.objects.bulk_create(
            [
                MoneyEntry(
                    kind=MoneyEntry.Kind.REFUND,
                    amount_yen=-take,
                    tax_rate_percent=charge.tax_rate_percent,
                    description_ja=f"返金: {charge.description_ja}",
                    description_en=f"Refund: {charge.description_en}",
                    payer=receipt.payer,
                    company=receipt.company,
                    return_invoice=document,
                    refunds_charge=charge,
                    occurred_at=occurred_at,
                    created_at=now,
                    created_by=actor,
                )
                for charge, take in allocation
            ]
        )
        audit(
            actor=actor,
            action=AuditAction.MONEY_REFUND,
            target=document,
            number=document.code,
            receipt=receipt.code,
            amount_yen=amount_yen,
            reason=document.reason,
            provider=provider,
            provider_reference=provider_reference,
        )
    return document


def company_rate_set(
    *,
    company: Company,
    yen_per_ticket: int,
    effective_from: datetime,
    actor: User | None,
    tax_rate_percent: int = 10,
) -> CompanyTicketRate:
    """A company's postpaid price per ticket (tax included) from `effective_from` on."""
    if not isinstance(yen_per_ticket, int) or yen_per_ticket <= 0:
        raise DomainError("invalid_amount", field="yen_per_ticket")
    if tax_rate_percent not in TAX_RATES:
        raise DomainError("invalid_tax_rate", field="tax_rate_percent")
    with transaction.atomic():
        if CompanyTicketRate.objects.filter(
            company=company, effective_from=effective_from
        ).exists():
            raise DomainError("rate_already_set", field="effective_from")
        rate = CompanyTicketRate.objects.create(
            company=company,
            yen_per_ticket=yen_per_ticket,
            tax_rate_percent=tax_rate_percent,
            effective_from=effective_from,
            created_at=clock.now(),
            created_by=actor,
        )
        audit(
            actor=actor,
            action=AuditAction.COMPANY_TICKET_RATE_SET,
            target=company,
            yen_per_ticket=yen_per_ticket,
            tax_rate_percent=tax_rate_percent,
            effective_from=effective_from.isoformat(),
        )
    return rate


def company_invoice_mark_paid(
    *, invoice: CompanyInvoice, actor: User, note: str = ""
) -> CompanyInvoicePayment:
    """Record that a company invoice was paid (once; the invoice itself never changes)."""
    with transaction.atomic():
        if CompanyInvoicePayment.objects.filter(invoice=invoice).exists():
            raise DomainError("invoice_already_paid")
        payment = CompanyInvoicePayment.objects.create(
            invoice=invoice, paid_at=clock.now(), note=note[:300], created_by=actor
        )
        audit(
            actor=actor,
            action=AuditAction.INVOICE_MARKED_PAID,
            target=invoice,
            number=invoice.code,
            total_yen=invoice.total_yen,
        )
    return payment


def company_rate_at(company: Company, at: datetime) -> CompanyTicketRate | None:
    """The company's price per ticket in force at `at` (the newest effective by then)."""
    return (
        CompanyTicketRate.objects.filter(company=company, effective_from__lte=at)
        .order_by("-effective_from")
        .first()
    )


def company_month_usage(company: Company, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Tickets per (employee, office) for the company's stays started in [start, end), net of
    the ticket refunds linked to them — the console usage report's definition (a stay belongs
    to the month it started in)."""
    stays = Stay.objects.filter(member__company=company, started_at__gte=start, started_at__lt=end)
    consumed = {
        (row["member_id"], row["office_id"]): int(row["tickets"] or 0)
        for row in stays.values("member_id", "office_id").annotate(tickets=Sum("tickets_consumed"))
    }
    refunded = {
        (row["stay__member_id"], row["stay__office_id"]): int(row["tickets"] or 0)
        for row in LedgerEntry.objects.filter(
            kind=LedgerEntry.Kind.REFUND,
            effective_at__gte=start,
            stay__member__company=company,
            stay__started_at__gte=start,
            stay__started_at__lt=end,
        )
        .values("stay__member_id", "stay__office_id")
        .annotate(tickets=Sum("tickets"))
    }
    members = {u.pk: u for u in User.objects.filter(pk__in={m for m, _ in consumed})}
    offices = {o.pk: o for o in Office.objects.filter(pk__in={o for _, o in consumed})}
    rows = []
    for key in sorted(consumed, key=lambda k: (members[k[0]].email, offices[k[1]].name, k)):
        tickets = consumed[key] - refunded.get(key, 0)
        if tickets:
            rows.append({"member": members[key[0]], "office": offices[key[1]], "tickets": tickets})
    return rows


def company_late_refunds(
    company: Company, before: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Ticket refunds written after an invoice of their stay's month was issued: they go on
    the company's next invoice as adjustments (invoices are frozen), priced as that month was.

    Those are the refunds of stays started before `before`, in a month the company was
    invoiced for, written since the company's latest invoice (earlier ones were on it)."""
    last = CompanyInvoice.objects.filter(company=company).order_by("-issued_at").first()
    if last is None:
        return []
    periods = list(
        CompanyInvoice.objects.filter(
            company=company, period_start__lt=before, yen_per_ticket__isnull=False
        ).values_list("period_start", "period_end", "yen_per_ticket", "tax_rate_percent")
    )
    refunds = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.REFUND,
        stay__member__company=company,
        stay__started_at__lt=before,
        effective_at__gte=last.issued_at,
        effective_at__lt=until,
    ).values_list("stay__member_id", "stay__office_id", "stay__started_at", "tickets")
    grouped: dict[tuple[int, int, datetime, int, int], int] = {}
    for member_id, office_id, started_at, tickets in refunds:
        for period_start, period_end, price, tax_rate in periods:
            if period_start <= started_at < period_end and price and tax_rate is not None:
                key = (member_id, office_id, period_start, price, tax_rate)
                grouped[key] = grouped.get(key, 0) + tickets
    members = {u.pk: u for u in User.objects.filter(pk__in={k[0] for k in grouped})}
    offices = {o.pk: o for o in Office.objects.filter(pk__in={k[1] for k in grouped})}
    return [
        {
            "member": members[member_id],
            "office": offices[office_id],
            "tickets": -tickets,
            "yen_per_ticket": price,
            "tax_rate_percent": tax_rate,
            "adjusts": period_start.astimezone(clock.network_zone()).strftime("%Y-%m"),
        }
        for (member_id, office_id, period_start, price, tax_rate), tickets in sorted(
            grouped.items(), key=lambda kv: (kv[0][2], members[kv[0][0]].email, kv[0][1])
        )
    ]


def _month_stays(start: datetime, end: datetime, *, company: Any) -> Any:
    return Stay.objects.filter(member__company=company, started_at__gte=start, started_at__lt=end)


def company_invoice_issue(
    *, company: Company, month_start: datetime, actor: User | None = None
) -> CompanyInvoice | None:
    """Issue the company's invoice for the network month starting at `month_start` (once:
    a repeat returns the first). Lines: the month's use per employee and office at the price
    in force at the month's start, then adjustments for ticket refunds of earlier invoiced
    months written since the last invoice. None when there is nothing to bill, or while a
    stay of the month is still running (an extension would add tickets after the invoice)."""
    start = clock.month_start(month_start)
    end = clock.next_month_start(start)
    with transaction.atomic():
        _lock_counter(DocumentKind.COMPANY_INVOICE)
        existing = CompanyInvoice.objects.filter(company=company, period_start=start).first()
        if existing:
            return existing
        if _month_stays(start, end, company=company).filter(status=Stay.Status.ACTIVE).exists():
            return None  # a stay of the month may still extend: wait until it is over
        now = clock.now()
        usage = company_month_usage(company, start, end)
        rate = company_rate_at(company, start)
        if usage and rate is None:
            raise DomainError("company_rate_missing", company=company.pk)
        rows = [
            {
                **row,
                "yen_per_ticket": rate.yen_per_ticket,
                "tax_rate_percent": rate.tax_rate_percent,
                "adjusts": None,
            }
            for row in usage
            if rate is not None
        ]
        rows += company_late_refunds(company, start, now)
        if not rows:
            return None
        lines = [(row["tickets"] * row["yen_per_ticket"], row["tax_rate_percent"]) for row in rows]
        totals = rate_totals(lines)
        who = issuer()
        invoice = CompanyInvoice.objects.create(
            number=_next_number(DocumentKind.COMPANY_INVOICE),
            issued_at=now,
            issuer_name_ja=who.name_ja,
            issuer_name_en=who.name_en,
            issuer_registration_number=who.registration_number,
            total_yen=sum(t.total_yen for t in totals),
            tax_yen=sum(t.tax_yen for t in totals),
            rate_totals=as_json(totals),
            company=company,
            recipient_name=company.name,
            period_start=start,
            period_end=end,
            tickets=sum(row["tickets"] for row in rows),
            yen_per_ticket=rate.yen_per_ticket if rate else None,
            tax_rate_percent=rate.tax_rate_percent if rate else None,
        )
        MoneyEntry.objects.bulk_create(
            [
                MoneyEntry(
                    kind=MoneyEntry.Kind.INVOICE_LINE,
                    amount_yen=amount,
                    tax_rate_percent=tax_rate,
                    description_ja=_line_ja(row),
                    description_en=_line_en(row),
                    payer=row["member"],
                    company=company,
                    office=row["office"],
                    tickets=row["tickets"],
                    company_invoice=invoice,
                    occurred_at=start,
                    created_at=now,
                    created_by=actor,
                )
                for row, (amount, tax_rate) in zip(rows, lines, strict=True)
            ]
        )
        audit(
            actor=actor,
            action=AuditAction.INVOICE_ISSUED,
            target=invoice,
            number=invoice.code,
            total_yen=invoice.total_yen,
            month=start.astimezone(clock.network_zone()).strftime("%Y-%m"),
        )
    return invoice


def _line_ja(row: dict[str, Any]) -> str:
    text = f"{row['office'].name} ご利用 {_person(row['member'])}"
    return f"調整: {row['adjusts']}分の返金 {text}" if row["adjusts"] else text


def _line_en(row: dict[str, Any]) -> str:
    text = f"Use at {row['office'].name} by {_person(row['member'])}"
    return f"Adjustment: refund for {row['adjusts']}, {text}" if row["adjusts"] else text


def _person(member: User) -> str:
    return member.name or member.email


def company_invoices_issue(*, month_start: datetime) -> list[CompanyInvoice]:
    """Every postpaid company's invoice for that month (idempotent; a company without a
    price per ticket in force at the month's start waits until one is set)."""
    start = clock.month_start(month_start)
    end = clock.next_month_start(start)
    # Cheap enough for every worker round: only companies with use that month, a price in
    # force and no invoice yet; the rest cost one query, and no lock is taken for them.
    last_issued = Subquery(
        CompanyInvoice.objects.filter(company=OuterRef("pk"))
        .order_by("-issued_at")
        .values("issued_at")[:1]
    )
    used = Exists(_month_stays(start, end, company=OuterRef("pk")))
    running = Exists(
        _month_stays(start, end, company=OuterRef("pk")).filter(status=Stay.Status.ACTIVE)
    )
    priced = Exists(
        CompanyTicketRate.objects.filter(company=OuterRef("pk"), effective_from__lte=start)
    )
    late_refunds = Exists(
        LedgerEntry.objects.filter(
            kind=LedgerEntry.Kind.REFUND,
            stay__member__company=OuterRef("pk"),
            stay__started_at__lt=start,
            effective_at__gte=OuterRef("last_issued"),
        )
    )
    companies = (
        Company.objects.filter(plan__postpaid=True)
        .exclude(invoices__period_start=start)
        .annotate(last_issued=last_issued)
        .filter((used & priced) | late_refunds)
        .exclude(running)  # invoiced once the month's last stay is over (no more extensions)
    )
    issued = []
    for company in companies.order_by("pk"):
        try:
            invoice = company_invoice_issue(company=company, month_start=start)
        except DomainError as error:  # use but no price: waits until the secretariat sets one
            log.warning("company %s: invoice not issued: %s", company.pk, error.code)
            continue
        if invoice is not None:
            issued.append(invoice)
    return issued
