"""Reconcile checks of the money ledger and its documents (registered in InvoicesConfig)."""

from collections import defaultdict

from django.db.models import Max, Sum

from officepass.invoices.models import (
    ChargeRefunds,
    CompanyInvoice,
    DocumentCounter,
    DocumentKind,
    IssuedDocument,
    MoneyEntry,
    Receipt,
    ReturnInvoice,
)
from officepass.invoices.tax import as_json, rate_totals

# The MoneyEntry field naming each kind's document.
ENTRY_FIELD: dict[str, str] = {
    DocumentKind.RECEIPT: "receipt",
    DocumentKind.RETURN_INVOICE: "return_invoice",
    DocumentKind.COMPANY_INVOICE: "company_invoice",
}
DOCUMENTS: dict[str, type[IssuedDocument]] = {
    DocumentKind.RECEIPT: Receipt,
    DocumentKind.RETURN_INVOICE: ReturnInvoice,
    DocumentKind.COMPANY_INVOICE: CompanyInvoice,
}


def ledger_breaches() -> list[str]:
    """Refunds never exceed their charge (per line and per receipt); the guard row agrees."""
    problems = []
    refunded = dict(
        MoneyEntry.objects.filter(kind=MoneyEntry.Kind.REFUND)
        .values("refunds_charge_id")
        .annotate(total=Sum("amount_yen"))
        .values_list("refunds_charge_id", "total")
    )
    for charge_id, amount in MoneyEntry.objects.filter(
        kind=MoneyEntry.Kind.CHARGE, id__in=refunded
    ).values_list("id", "amount_yen"):
        if -refunded[charge_id] > amount:
            problems.append(f"charge {charge_id}: refunded {-refunded[charge_id]} > {amount} yen")
    per_receipt: dict[int, int] = defaultdict(int)
    for receipt_id, amount in MoneyEntry.objects.filter(kind=MoneyEntry.Kind.REFUND).values_list(
        "refunds_charge__receipt_id", "amount_yen"
    ):
        per_receipt[receipt_id] -= amount
    for guard in ChargeRefunds.objects.all().iterator():
        if guard.refunded_yen != per_receipt.get(guard.receipt_id, 0):
            problems.append(
                f"receipt {guard.receipt_id}: guard says {guard.refunded_yen} yen refunded, "
                f"ledger {per_receipt.get(guard.receipt_id, 0)}"
            )
    missing = Receipt.objects.filter(refunds__isnull=True).values_list("id", flat=True)
    problems += [f"receipt {r}: no refund guard row" for r in missing]
    return problems


def document_breaches() -> list[str]:
    """Every document's printed figures recompute from its ledger entries."""
    problems = company_line_breaches()
    for kind, model in DOCUMENTS.items():
        sign = -1 if model is ReturnInvoice else 1
        lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
        field = ENTRY_FIELD[kind]
        for doc_id, amount, rate in MoneyEntry.objects.filter(
            **{f"{field}__isnull": False}
        ).values_list(f"{field}_id", "amount_yen", "tax_rate_percent"):
            lines[doc_id].append((sign * amount, rate))
        for doc in model.objects.all().iterator():
            totals = rate_totals(lines.get(doc.pk, []))
            expected = (
                sum(t.total_yen for t in totals),
                sum(t.tax_yen for t in totals),
                as_json(totals),
            )
            if (doc.total_yen, doc.tax_yen, doc.rate_totals) != expected:
                problems.append(
                    f"{kind} {doc.number}: printed {doc.total_yen}/{doc.tax_yen} yen "
                    f"{doc.rate_totals} but the ledger gives {expected}"
                )
    return problems


def company_line_breaches() -> list[str]:
    """Every month line of a company invoice is its tickets × the invoice's frozen price
    (adjustment lines, negative, are priced as the month they adjust)."""
    lines = MoneyEntry.objects.filter(kind=MoneyEntry.Kind.INVOICE_LINE, tickets__gt=0).values_list(
        "id", "amount_yen", "tickets", "company_invoice__number", "company_invoice__yen_per_ticket"
    )
    return [
        f"company_invoice {number}: line {line_id} is {amount} yen for {tickets} tickets "
        f"at {price} yen"
        for line_id, amount, tickets, number, price in lines.iterator()
        if price is None or amount != (tickets or 0) * price
    ]


def numbering_breaches() -> list[str]:
    """Each kind is numbered 1..n without gaps, and the counter stands at n."""
    problems = []
    counters = dict(DocumentCounter.objects.values_list("kind", "last_number"))
    for kind, model in DOCUMENTS.items():
        count = model.objects.count()
        highest = model.objects.aggregate(m=Max("number"))["m"] or 0
        if highest != count:
            problems.append(f"{kind}: {count} documents but the highest number is {highest}")
        if counters.get(kind, 0) != highest:
            problems.append(f"{kind}: counter at {counters.get(kind, 0)}, highest {highest}")
    return problems
