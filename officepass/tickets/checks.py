"""Reconcile checks of the ledger and postpaid accounts (registered with core in
TicketsConfig.ready; refunds per stay are checked in stays/checks.py)."""

from django.db.models import F, Sum, Value
from django.db.models.functions import Coalesce

from officepass.tickets.models import LedgerEntry, TicketAccount


def ledger_breaches() -> list[str]:
    """Balance = ledger sum; no negative balance on ticket (prepaid) plans."""
    sums = dict(
        LedgerEntry.objects.values("member_id")
        .annotate(total=Sum("tickets"))
        .values_list("member_id", "total")
    )
    problems = []
    for member_id, balance, postpaid in TicketAccount.objects.values_list(
        "member_id", "balance", "postpaid"
    ).iterator():
        total = sums.pop(member_id, 0) or 0
        if balance != total:
            problems.append(f"member {member_id}: balance {balance} but ledger sums to {total}")
        if balance < 0 and not postpaid:
            problems.append(f"member {member_id}: negative balance {balance} on a ticket plan")
    problems += [f"member {m}: ledger entries but no ticket account" for m in sums]
    return problems


def postpaid_breaches() -> list[str]:
    """Every ticket account follows its member's plan: postpaid only on a postpaid plan."""
    wrong = TicketAccount.objects.exclude(
        postpaid=Coalesce(F("member__plan__postpaid"), Value(False))
    ).values_list("member_id", "postpaid")
    return [
        f"member {member_id}: ticket account {'postpaid' if postpaid else 'prepaid'} "
        "but the plan says otherwise"
        for member_id, postpaid in wrong.iterator()
    ]
