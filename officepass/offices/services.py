"""Writes to operators, offices and spaces: each one transaction with its audit row."""

import re
import unicodedata

from django.db import transaction
from django.db.models import F

from officepass.accounts.models import User
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.offices.models import REGISTRATION_NUMBER_PATTERN, Office, Operator, Space


def space_code_reissue(*, actor: User, space: Space, reason: str = "") -> Space:
    """A new door code for the space: every older code (printed or shown) answers invalid_code.
    The reason (the console asks for one) is kept in the audit row."""
    with transaction.atomic():
        Space.objects.filter(pk=space.pk).update(code_version=F("code_version") + 1)
        space.refresh_from_db(fields=["code_version"])
        audit(
            actor=actor,
            action=AuditAction.SPACE_CODE_REISSUE,
            target=space,
            version=space.code_version,
            reason=reason.strip()[:300],
        )
    return space


def _reason(reason: str) -> dict[str, str]:
    """A recorded reason (retiring) for the audit row; nothing when none was asked for."""
    return {"reason": reason.strip()[:300]} if reason.strip() else {}


def office_update(*, actor: User, office: Office, changed: list[str], reason: str = "") -> Office:
    """Save the fields a validated form changed, with the audit row (and the reason to retire
    the office, when it is retired)."""
    if not changed:
        return office
    with transaction.atomic():
        office.save(update_fields=changed)
        audit(
            actor=actor,
            action=AuditAction.OFFICE_UPDATE,
            target=office,
            fields=changed,
            **_reason(reason),
        )
    return office


def space_update(*, actor: User, space: Space, changed: list[str], reason: str = "") -> Space:
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
        audit(
            actor=actor,
            action=AuditAction.SPACE_UPDATE,
            target=space,
            fields=changed,
            **_reason(reason),
        )
    return space


def registration_number_clean(value: str) -> str:
    """T + 13 digits (a qualified-invoice issuer's number); spaces, hyphens and full-width
    characters as typed from a certificate are tolerated; anything else `invalid_input`."""
    text = unicodedata.normalize("NFKC", value or "").upper().replace("-", "").replace(" ", "")
    if text and not re.fullmatch(REGISTRATION_NUMBER_PATTERN, text):
        raise DomainError("invalid_input", field="registration_number")
    return text


def operator_registration_set(*, actor: User, operator: Operator, number: str) -> Operator:
    """The operator's registration number, printed on its next payout statements."""
    cleaned = registration_number_clean(number)
    with transaction.atomic():
        old = operator.registration_number
        operator.registration_number = cleaned
        operator.save(update_fields=["registration_number"])
        audit(
            actor=actor,
            action=AuditAction.OPERATOR_REGISTRATION_SET,
            target=operator,
            old=old,
            new=cleaned,
        )
    return operator


def operator_create(*, actor: User, name: str) -> Operator:
    """The secretariat adds an operator to the network."""
    if not name.strip():
        raise DomainError("invalid_input", field="name")
    with transaction.atomic():
        operator = Operator.objects.create(name=name.strip())
        audit(actor=actor, action=AuditAction.OPERATOR_CREATE, target=operator, name=operator.name)
    return operator


def office_create(*, actor: User, office: Office) -> Office:
    """Save a validated new office (its operator set by the caller's tenancy), audited."""
    with transaction.atomic():
        office.save()
        audit(actor=actor, action=AuditAction.OFFICE_CREATE, target=office, via="console")
    return office


def space_create(*, actor: User, space: Space) -> Space:
    """Save a validated new space of an office, audited (its door code is version 1)."""
    with transaction.atomic():
        space.in_use = 0
        space.save()
        audit(actor=actor, action=AuditAction.SPACE_CREATE, target=space, via="console")
    return space
