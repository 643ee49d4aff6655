"""One-tap recovery [beyond]: the door did not open right after check-in.

The member cancels; the stay ends as cancelled, every ticket it took (less earlier refunds)
comes back as a refund entry with the reason, a trouble report with the lock's diagnostics
goes to the secretariat, and nearby offices with a free seat of the same type are offered.
Only while no unlock of the stay may have reached the door: otherwise the help desk.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.core.idempotency import idempotency_earlier_effect, idempotency_effect
from officepass.locks.drivers.base import ErrorCode
from officepass.locks.models import LockCommand
from officepass.offices.selectors import nearby_free
from officepass.stays.models import Stay
from officepass.stays.services import access_own_stay, stay_end
from officepass.support.models import TroubleReport
from officepass.support.services import trouble_report_create
from officepass.tickets.models import LedgerEntry
from officepass.tickets.services import ticket_refund_for_stay

REFUND_REASON = "the door did not open on entry: automatic refund"
CANCELLED_MESSAGE = "The door did not open after check-in; the stay was cancelled and refunded."
HELP_DESK_MESSAGE = (
    "The member says the door did not open, but an unlock of this stay may have reached it "
    "(accepted, unanswered or in flight): not cancelled, the member was sent to the help desk."
)


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


def may_have_reached_the_door(command: LockCommand) -> bool:
    """Only a command that provably never acted (failed or expired, not a timeout after
    sending) leaves the door shut; pending, accepted, unknown and confirmed ones may not."""
    if command.status == LockCommand.Status.EXPIRED:
        return False
    return command.status != "failed" or command.error_code == ErrorCode.TIMEOUT_AFTER_SEND


def _refusal(stay: Stay, commands: list[LockCommand]) -> str | None:
    """Why this stay cannot be cancelled now (read under its row lock), or None."""
    now = clock.now()
    if stay.status != Stay.Status.ACTIVE or now >= stay.deadline:
        return "stay_not_active"
    window = timedelta(minutes=settings.RECOVERY_WINDOW_MINUTES)
    if not commands or now > stay.started_at + window:
        return "recovery_not_available"
    if any(may_have_reached_the_door(c) for c in commands):
        return "recovery_needs_help_desk"
    return None


def locked_unlock_commands(stay: Stay) -> list[LockCommand]:
    """Lock the stay's row, refresh it, and read its unlock commands under the lock.

    `stay_unlock` records a command only under the same lock while the stay is running, so
    no unlock can start between this read and the cancellation (issue 12 item 6).
    """
    locked = Stay.objects.select_for_update().get(pk=stay.pk)
    stay.status, stay.deadline = locked.status, locked.deadline
    return list(LockCommand.objects.filter(stay=stay, purpose="unlock").order_by("id"))


def _report(member: User, stay: Stay, commands: list[LockCommand], message: str) -> TroubleReport:
    return trouble_report_create(
        member=member,
        office_id=stay.office_id,
        stay_id=stay.pk,
        kind="entry_unlock",
        message=message,
        diagnostics=_diagnostics(commands),
    )


def _help_desk_report(member: User, stay: Stay, commands: list[LockCommand]) -> TroubleReport:
    """One report per stay, however often the member taps: the help desk takes it from here."""
    filed = TroubleReport.objects.filter(stay=stay, kind="entry_unlock").first()
    return filed or _report(member, stay, commands, HELP_DESK_MESSAGE)


def _cancel(member: User, stay: Stay, commands: list[LockCommand]) -> Recovery:
    if not stay_end(
        stay,
        status=Stay.Status.CANCELLED,
        ended_at=clock.now(),
        actor=member,
        reason="door did not open on entry",
    ):
        raise DomainError("stay_not_active")
    refund = ticket_refund_for_stay(actor=member, stay=stay, tickets=None, reason=REFUND_REASON)
    report = _report(member, stay, commands, CANCELLED_MESSAGE)
    idempotency_effect("stay.recover", stay.pk)  # last: the report names its own effect first
    return Recovery(stay=stay, refund=refund, report=report, nearby=[])


def _recovered_earlier(stay: Stay) -> Recovery:
    """What a dead attempt under this Idempotency-Key did: its refund and its report."""
    refund = (
        LedgerEntry.objects.filter(stay=stay, kind=LedgerEntry.Kind.REFUND, reason=REFUND_REASON)
        .order_by("pk")
        .first()
    )
    report = TroubleReport.objects.filter(stay=stay, message=CANCELLED_MESSAGE).latest("pk")
    nearby = nearby_free(office=stay.office, seat_type=stay.space.seat_type)
    return Recovery(stay=stay, refund=refund, report=report, nearby=nearby)


def stay_recover_failed_entry(*, member: User, stay_id: int) -> Recovery:
    """Cancel a stay whose door provably never opened, refund what it has left, tell the
    secretariat. If an unlock may have reached the door (accepted, unanswered, in flight),
    the member is sent to the help desk instead and a report is filed."""
    stay = access_own_stay(member=member, stay_id=stay_id)
    if idempotency_earlier_effect("stay.recover") == stay.pk:
        return _recovered_earlier(stay)
    with transaction.atomic():
        commands = locked_unlock_commands(stay)
        refusal = _refusal(stay, commands)
        if refusal is None:
            done = _cancel(member, stay, commands)
        elif refusal == "recovery_needs_help_desk":
            report = _help_desk_report(member, stay, commands)
    if refusal == "recovery_needs_help_desk":
        raise DomainError(
            refusal, help_desk_phone=stay.office.help_desk_phone, trouble_report_id=report.pk
        )
    if refusal is not None:
        raise DomainError(refusal)
    done.nearby = nearby_free(office=stay.office, seat_type=stay.space.seat_type)
    return done
