"""One-tap recovery [beyond]: the door did not open right after check-in.

The member cancels; the stay ends as cancelled, every ticket it took comes back as a refund
entry with the reason, a trouble report with the lock's diagnostics goes to the secretariat,
and nearby offices with a free seat of the same type are offered.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.locks.models import LockCommand
from officepass.offices.selectors import nearby_free
from officepass.stays.models import Stay
from officepass.stays.services import access_own_stay, stay_end
from officepass.support.models import TroubleReport
from officepass.support.services import trouble_report_create
from officepass.tickets.models import LedgerEntry
from officepass.tickets.services import ticket_refund_for_stay

OPENED = (LockCommand.Status.CONFIRMED, LockCommand.Status.ACCEPTED)
REFUND_REASON = "the door did not open on entry: automatic refund"


@dataclass
class Recovery:
    stay: Stay
    refund: LedgerEntry | None
    report: TroubleReport
    nearby: list[dict[str, Any]]


def _diagnostics(commands: list[LockCommand]) -> dict[str, Any]:
    return {
        "commands": [
            {
                "request_id": str(c.request_id),
                "driver": c.driver,
                "status": c.status,
                "error": c.error_code,
                "latency_ms": c.latency_ms,
                "response": c.response,
                "at": c.created_at.isoformat(),
            }
            for c in commands
        ]
    }


def _check_recoverable(stay: Stay, commands: list[LockCommand]) -> None:
    now = clock.now()
    if stay.status != Stay.Status.ACTIVE or now >= stay.deadline:
        raise DomainError("stay_not_active")
    window = timedelta(minutes=settings.RECOVERY_WINDOW_MINUTES)
    opened = any(c.status in OPENED for c in commands)
    if not commands or opened or now > stay.started_at + window:
        raise DomainError("recovery_not_available")


def stay_recover_failed_entry(*, member: User, stay_id: int) -> Recovery:
    """Cancel a stay whose door never opened, refund it in full and tell the secretariat."""
    stay = access_own_stay(member=member, stay_id=stay_id)
    commands = list(LockCommand.objects.filter(stay=stay, purpose="unlock").order_by("id"))
    _check_recoverable(stay, commands)
    with transaction.atomic():
        if not stay_end(
            stay,
            status=Stay.Status.CANCELLED,
            ended_at=clock.now(),
            actor=member,
            reason="door did not open on entry",
        ):
            raise DomainError("stay_not_active")
        refund = ticket_refund_for_stay(actor=member, stay=stay, tickets=None, reason=REFUND_REASON)
        report = trouble_report_create(
            member=member,
            office_id=stay.office_id,
            stay_id=stay.pk,
            kind="entry_unlock",
            message="The door did not open after check-in; the stay was cancelled and refunded.",
            diagnostics=_diagnostics(commands),
        )
    nearby = nearby_free(office=stay.office, seat_type=stay.space.seat_type)
    return Recovery(stay=stay, refund=refund, report=report, nearby=nearby)
