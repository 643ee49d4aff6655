"""The console's one remaining write: refunding part of a stay (rule 14). Every other console
write lives with its table (offices, accounts, tickets, support services)."""

from django.db.models import Sum

from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry
from officepass.tickets.services import ticket_refund


def stay_refund(*, actor: User, stay: Stay, tickets: int, reason: str) -> LedgerEntry:
    """Refund some of a stay's tickets (rule 14): never more than it took, net of refunds."""
    refunded = (
        LedgerEntry.objects.filter(stay=stay, kind=LedgerEntry.Kind.REFUND).aggregate(
            total=Sum("tickets")
        )["total"]
        or 0
    )
    if tickets > stay.tickets_consumed - refunded:
        raise DomainError("invalid_input", field="tickets")
    return ticket_refund(actor=actor, member=stay.member, tickets=tickets, reason=reason, stay=stay)
