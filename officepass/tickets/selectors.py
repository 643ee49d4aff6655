"""Reads about tickets."""

from officepass.accounts.models import User
from officepass.tickets.models import TicketAccount


def balance_of(member: User) -> int:
    """The member's cached balance (0 before the first ledger entry)."""
    return (
        TicketAccount.objects.filter(member=member).values_list("balance", flat=True).first() or 0
    )
