"""Trouble reports: stored, audited, and e-mailed to the secretariat after commit."""

import json
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.core.idempotency import idempotency_earlier_effect, idempotency_effect
from officepass.offices.models import Office
from officepass.support.models import TroubleReport


def _email_secretariat(report: TroubleReport) -> None:
    subject = f"[officepass] {report.kind} at {report.office.name} (report #{report.pk})"
    member = report.member.email if report.member else "(raised by officepass)"
    body = (
        f"Member: {member}\nOffice: {report.office.name} (#{report.office_id})\n"
        f"Help desk: {report.office.help_desk_phone}\nStay: {report.stay_id or '-'}\n"
        f"Kind: {report.kind}\n\n{report.message}\n"
    )
    if report.diagnostics:
        body += "\nLock diagnostics:\n" + json.dumps(report.diagnostics, indent=2, default=str)
    send_mail(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [settings.SECRETARIAT_EMAIL],
        fail_silently=True,
    )


def trouble_report_create(
    *,
    member: User,
    office_id: int,
    stay_id: int | None,
    kind: str,
    message: str,
    diagnostics: dict[str, Any] | None = None,
) -> TroubleReport:
    earlier = idempotency_earlier_effect("trouble.create")
    if earlier is not None:  # a dead attempt under this Idempotency-Key filed it already
        return TroubleReport.objects.get(pk=earlier, member=member)
    member_kinds = set(TroubleReport.Kind.values) - {TroubleReport.Kind.LOCK_RELIABILITY}
    if kind not in member_kinds or not message.strip():
        raise DomainError("invalid_input", field="kind" if message.strip() else "message")
    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        raise DomainError("invalid_input", field="office_id")
    # Support sits below stays: it reads the member's stay through the relation, no import.
    # A report naming a stay names that stay's office: the office decides which operator's
    # staff see the report, and with it the stay and its lock commands.
    stay = member.stays.filter(pk=stay_id, office=office).first() if stay_id else None
    if stay_id and stay is None:
        raise DomainError("invalid_input", field="stay_id")
    with transaction.atomic():
        report = TroubleReport.objects.create(
            member=member,
            office=office,
            stay=stay,
            kind=kind,
            message=message.strip(),
            diagnostics=diagnostics or {},
            created_at=clock.now(),
        )
        idempotency_effect("trouble.create", report.pk)
        audit(
            actor=member,
            action=AuditAction.TROUBLE_REPORT_CREATE,
            target=report,
            kind=kind,
            office=office.pk,
            stay=stay_id,
        )
        transaction.on_commit(lambda: _email_secretariat(report))
    return report


def trouble_report_raise(
    *, office_id: int, kind: str, message: str, diagnostics: dict[str, Any]
) -> TroubleReport:
    """A report officepass raises by itself (no member), audited and e-mailed like the rest.
    Call inside a transaction."""
    report = TroubleReport.objects.create(
        member=None,
        office_id=office_id,
        kind=kind,
        message=message,
        diagnostics=diagnostics,
        created_at=clock.now(),
    )
    audit(
        actor=None,
        action=AuditAction.TROUBLE_REPORT_CREATE,
        target=report,
        kind=kind,
        office=office_id,
    )
    transaction.on_commit(lambda: _email_secretariat(report))
    return report


def trouble_report_set_status(*, actor: User, report: TroubleReport, status: str) -> None:
    if status not in TroubleReport.Status.values:
        raise DomainError("invalid_input", field="status")
    with transaction.atomic():
        moved = TroubleReport.objects.filter(pk=report.pk).exclude(status=status)
        if moved.update(status=status):
            audit(
                actor=actor,
                action=AuditAction.TROUBLE_REPORT_STATUS,
                target=report,
                old=report.status,
                new=status,
            )
            report.status = status
