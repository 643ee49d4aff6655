"""Presentation shapes of the ledger and of a member with their tickets (API and web)."""

from typing import Any

from officepass.accounts.models import User
from officepass.core.clock import iso
from officepass.tickets.models import LedgerEntry, TicketAccount


def ledger_entry_out(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "tickets": entry.tickets,
        "balance_after": entry.balance_after,
        "reason": entry.reason,
        "stay_id": entry.stay_id,
        "effective_at": iso(entry.effective_at),
    }


def tickets_summary(member: User) -> dict[str, Any]:
    account = TicketAccount.objects.filter(member=member).first()
    postpaid = account.postpaid if account else bool(member.plan and member.plan.postpaid)
    return {
        "balance": account.balance if account else 0,
        "postpaid": postpaid,
        "cycle_ends_at": iso(member.cycle_ends_at),
    }


def member_out(member: User) -> dict[str, Any]:
    plan = member.plan
    return {
        "id": member.pk,
        "email": member.email,
        "name": member.name,
        "language": member.language,
        "plan": None
        if plan is None
        else {
            "code": plan.code,
            "name": plan.name,
            "kind": plan.kind,
            "tickets_per_cycle": plan.tickets_per_cycle,
            "extensions_need_tickets": plan.extensions_need_tickets,
            "postpaid": plan.postpaid,
        },
        "company": None
        if member.company is None
        else {
            "id": member.company.pk,
            "name": member.company.name,
        },
        "tickets": tickets_summary(member),
    }
