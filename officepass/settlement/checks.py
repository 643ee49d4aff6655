"""Reconcile: every payout statement recomputes from the ledger (registered with core in
SettlementConfig.ready)."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Max, Min, Sum

from officepass.core import clock
from officepass.settlement.models import Statement, StatementEntry, StatementLine
from officepass.settlement.selectors import day_start, network_date, rate_book
from officepass.settlement.services import tax_included
from officepass.tickets.models import LedgerEntry


def statement_breaches() -> list[str]:
    """Each line's tickets = −Σ its ledger entries, stays = its distinct stays, amount =
    tickets × the rate in force on each stay's start date; each statement's totals = Σ lines;
    every counted entry is a consume or refund of a stay at one of the operator's offices,
    counted on the line of that stay's office (usage for the month's stays)."""
    problems: list[str] = []
    book = rate_book()
    from_entries = {
        row["line_id"]: row
        for row in StatementEntry.objects.values("line_id").annotate(
            tickets=Sum("tickets"), stays=Count("stay_id", distinct=True)
        )
    }
    for line in StatementLine.objects.values(
        "pk", "statement__number", "tickets", "stays", "amount", "yen_per_ticket"
    ).iterator():
        found = from_entries.get(line["pk"], {"tickets": 0, "stays": 0})
        name = f"statement {line['statement__number']} line {line['pk']}"
        if found["tickets"] != line["tickets"] or found["stays"] != line["stays"]:
            problems.append(
                f"{name}: {line['tickets']} tickets / {line['stays']} stays but its ledger "
                f"entries give {found['tickets']} / {found['stays']}"
            )
        if line["amount"] != line["tickets"] * line["yen_per_ticket"]:
            problems.append(f"{name}: amount {line['amount']} is not tickets × rate")
    for entry in StatementEntry.objects.values(
        "pk",
        "tickets",
        "ledger_entry__tickets",
        "ledger_entry__kind",
        "ledger_entry__stay_id",
        "stay_id",
        "stay__office_id",
        "stay__started_at",
        "line__office_id",
        "line__kind",
        "line__yen_per_ticket",
        "line__statement__operator_id",
        "line__statement__month",
        "line__statement__number",
        "stay__office__operator_id",
    ).iterator():
        name = f"statement {entry['line__statement__number']} entry {entry['pk']}"
        kinds = (LedgerEntry.Kind.CONSUME, LedgerEntry.Kind.REFUND)
        if (
            entry["ledger_entry__kind"] not in kinds
            or entry["ledger_entry__stay_id"] != entry["stay_id"]
        ):
            problems.append(f"{name}: not a consume or refund of its stay")
        if entry["tickets"] != -entry["ledger_entry__tickets"]:
            problems.append(f"{name}: {entry['tickets']} tickets but the ledger says otherwise")
        if (
            entry["stay__office_id"] != entry["line__office_id"]
            or entry["stay__office__operator_id"] != entry["line__statement__operator_id"]
        ):
            problems.append(f"{name}: the stay is not at the line's office")
        started = entry["stay__started_at"]
        usage = started >= day_start(entry["line__statement__month"])
        if usage != (entry["line__kind"] == StatementLine.Kind.USAGE):
            problems.append(f"{name}: usage/adjustment does not match the stay's month")
        rate = book.rate(
            entry["stay__office__operator_id"], entry["stay__office_id"], network_date(started)
        )
        if rate != entry["line__yen_per_ticket"]:
            problems.append(f"{name}: rate {entry['line__yen_per_ticket']} but {rate} holds")
    lines: dict[int, dict[str, int]] = defaultdict(lambda: {"tickets": 0, "amount": 0})
    for row in StatementLine.objects.values("statement_id").annotate(
        tickets=Sum("tickets"), amount=Sum("amount")
    ):
        lines[row["statement_id"]] = {"tickets": row["tickets"], "amount": row["amount"]}
    for statement in Statement.objects.values(
        "pk", "number", "tickets", "amount", "tax_amount", "tax_rate_percent"
    ).iterator():
        summed = lines[statement["pk"]]
        if (statement["tickets"], statement["amount"]) != (summed["tickets"], summed["amount"]):
            problems.append(f"statement {statement['number']}: totals differ from its lines")
        tax = tax_included(statement["amount"], statement["tax_rate_percent"])
        if statement["tax_amount"] != tax:
            problems.append(f"statement {statement['number']}: tax {statement['tax_amount']}")
    return problems + uncounted_breaches()


# A ledger entry committed while a close ran may carry an earlier time than the close and still
# be missed by it; the next close counts it. Only entries older than this are a breach.
IN_FLIGHT = timedelta(minutes=10)


def uncounted_breaches() -> list[str]:
    """Every consume or refund entry of a stay in a month an operator has closed, written
    before that operator's last close, is counted by some statement (usage or adjustment)."""
    problems = []
    closed = Statement.objects.values("operator_id").annotate(
        first=Min("month"), last=Max("month"), closed_at=Max("closed_at")
    )
    for row in closed:
        missing = LedgerEntry.objects.filter(
            kind__in=[LedgerEntry.Kind.CONSUME, LedgerEntry.Kind.REFUND],
            stay__office__operator_id=row["operator_id"],
            stay__started_at__gte=day_start(row["first"]),
            stay__started_at__lt=clock.next_month_start(day_start(row["last"])),
            effective_at__lt=row["closed_at"] - IN_FLIGHT,
            statement_entry__isnull=True,
        ).values_list("pk", flat=True)
        problems += [
            f"operator {row['operator_id']}: ledger entry {pk} of a closed month is in no statement"
            for pk in missing[:100]
        ]
    return problems
