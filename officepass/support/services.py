"""Trouble reports: stored, audited, and e-mailed to the secretariat after commit."""

import json
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from officepass.accounts.access import can_run_office
from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.core.idempotency import idempotency_earlier_effect, idempotency_effect
from officepass.offices.models import Office
from officepass.support.models import TroubleEntry, TroubleReport


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
            _entry(actor, report, TroubleEntry.Kind.STATUS, old=report.status, new=status)
            report.status = status


def _entry(
    actor: User | None, report: TroubleReport, kind: str, body: str = "", **data: Any
) -> TroubleEntry:
    return TroubleEntry.objects.create(
        report=report,
        kind=kind,
        author=actor,
        author_label=getattr(actor, "email", "") or "",
        body=body,
        data=data,
        created_at=clock.now(),
    )


def _text(body: str) -> str:
    text = body.strip()
    if not text or len(text) > 4000:
        raise DomainError("invalid_input", field="body")
    return text


def trouble_note_add(*, actor: User, report: TroubleReport, body: str) -> TroubleEntry:
    """An internal note: staff and the secretariat see it, the member never does."""
    with transaction.atomic():
        entry = _entry(actor, report, TroubleEntry.Kind.NOTE, _text(body))
        audit(actor=actor, action=AuditAction.TROUBLE_NOTE, target=report, entry=entry.pk)
    return entry


def trouble_reply(*, actor: User, report: TroubleReport, body: str) -> TroubleEntry:
    """A reply the member reads on their trouble page and receives by e-mail (sent after the
    commit, in the member's language)."""
    if report.member_id is None:
        raise DomainError("invalid_input", field="body")  # officepass raised it: nobody to tell
    with transaction.atomic():
        entry = _entry(actor, report, TroubleEntry.Kind.REPLY, _text(body))
        audit(actor=actor, action=AuditAction.TROUBLE_REPLY, target=report, entry=entry.pk)
        transaction.on_commit(lambda: _email_member(report, entry))
    return entry


def _email_member(report: TroubleReport, entry: TroubleEntry) -> None:
    from django.utils import translation

    member = report.member
    if member is None:
        return
    with translation.override(getattr(member, "language", "") or settings.LANGUAGE_CODE):
        from django.utils.translation import gettext as _t

        send_mail(
            _t("Reply to your trouble report #%(id)s") % {"id": report.pk},
            _t("%(office)s\n\n%(body)s\n\nSee all replies in the app: Help → My reports.")
            % {"office": report.office.name, "body": entry.body},
            settings.DEFAULT_FROM_EMAIL,
            [member.email],
            fail_silently=True,
        )


def trouble_assign(*, actor: User, report: TroubleReport, assignee: User | None) -> None:
    """Give the report to someone who runs its office (or to nobody), with the history entry."""
    if assignee is not None and not (
        assignee.is_staff or can_run_office(assignee, report.office.operator_id)
    ):
        raise DomainError("invalid_input", field="assignee")
    new = assignee.pk if assignee is not None else None
    with transaction.atomic():
        moved = TroubleReport.objects.filter(pk=report.pk).exclude(assignee_id=new)
        if not moved.update(assignee=assignee):
            return
        label = assignee.email if assignee is not None else ""
        _entry(actor, report, TroubleEntry.Kind.ASSIGN, assignee=new, assignee_label=label)
        audit(
            actor=actor,
            action=AuditAction.TROUBLE_ASSIGN,
            target=report,
            old=report.assignee_id,
            new=new,
        )
        report.assignee = assignee
