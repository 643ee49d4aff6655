"""Console writes: each is one transaction with its audit row. Ticket movements and forced
checkouts reuse the tickets and stays services."""

from typing import Any

from django.db import transaction
from django.db.models import F

from officepass.accounts.models import Company, Plan, User
from officepass.core.audit import audit
from officepass.core.errors import DomainError
from officepass.offices.models import Office, Operator, Space
from officepass.support.models import TroubleReport


def space_code_reissue(*, actor: User, space: Space) -> Space:
    """A new door code for the space: every older code (printed or shown) answers invalid_code."""
    with transaction.atomic():
        Space.objects.filter(pk=space.pk).update(code_version=F("code_version") + 1)
        space.refresh_from_db(fields=["code_version"])
        audit(actor=actor, action="space.code_reissue", target=space, version=space.code_version)
    return space


def office_update(*, actor: User, office: Office, changed: list[str]) -> Office:
    """Save the fields a validated form changed, with the audit row."""
    if not changed:
        return office
    with transaction.atomic():
        office.save(update_fields=changed)
        audit(actor=actor, action="office.update", target=office, fields=changed)
    return office


def space_update(*, actor: User, space: Space, changed: list[str]) -> Space:
    """Save a space's set-up; a quota below the seats in use now is refused by the database
    CHECK, so it is refused here first with a clear code."""
    if not changed:
        return space
    with transaction.atomic():
        current = Space.objects.select_for_update().get(pk=space.pk)
        if "quota" in changed and space.quota < current.in_use:
            raise DomainError("invalid_input", field="quota")
        space.in_use = current.in_use
        space.save(update_fields=changed)
        audit(actor=actor, action="space.update", target=space, fields=changed)
    return space


def trouble_report_set_status(*, actor: User, report: TroubleReport, status: str) -> None:
    if status not in TroubleReport.Status.values:
        raise DomainError("invalid_input", field="status")
    with transaction.atomic():
        moved = TroubleReport.objects.filter(pk=report.pk).exclude(status=status)
        if moved.update(status=status):
            audit(
                actor=actor,
                action="trouble_report.status",
                target=report,
                old=report.status,
                new=status,
            )
            report.status = status


def member_plan_change(*, actor: User, member: User, plan: Plan) -> User:
    """Move a member to another plan; the ticket account follows postpaid or not."""
    from officepass.tickets.models import TicketAccount

    account = TicketAccount.objects.filter(member=member).first()
    if account is not None and not plan.postpaid and account.balance < 0:
        # A postpaid account that counted usage below zero cannot become prepaid as it is.
        raise DomainError("invalid_input", field="plan")
    with transaction.atomic():
        old = member.plan_id
        member.plan = plan
        member.save(update_fields=["plan"])
        TicketAccount.objects.filter(member=member).update(postpaid=plan.postpaid)
        audit(actor=actor, action="member.plan_change", target=member, old=old, new=plan.pk)
    return member


def member_cap_set(*, actor: User, member: User, cap: int | None) -> User:
    """A corporate admin's monthly ticket cap for one employee (None = no cap)."""
    if cap is not None and cap < 0:
        raise DomainError("invalid_input", field="cap")
    data: dict[str, Any] = {"old": member.monthly_ticket_cap, "new": cap}
    with transaction.atomic():
        member.monthly_ticket_cap = cap
        member.save(update_fields=["monthly_ticket_cap"])
        audit(actor=actor, action="member.cap_set", target=member, **data)
    return member


def company_create(*, actor: User, name: str, code: str, plan: Plan) -> Company:
    """A corporate customer; employees join with its 16-digit code (unique, CHECKed)."""
    with transaction.atomic():
        company = Company.objects.create(name=name, code=code, plan=plan)
        audit(actor=actor, action="company.create", target=company, code=code, plan=plan.pk)
    return company


def operator_rate_set(*, actor: User, operator: Operator, rate: int) -> Operator:
    """The operator's payout per ticket; reports of every month use the current rate."""
    with transaction.atomic():
        old = operator.payout_per_ticket
        operator.payout_per_ticket = rate
        operator.save(update_fields=["payout_per_ticket"])
        audit(actor=actor, action="operator.rate_set", target=operator, old=old, new=rate)
    return operator
