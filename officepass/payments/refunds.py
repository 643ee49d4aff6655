"""Money refunds of paid payments (issue 14): the secretariat's request is committed first,
capped by what is left of the payment, then sent to the provider outside any transaction, and
its answer recorded with the return invoice (payments/services.py has the selling side)."""

from django.db import transaction
from django.db.models import Sum

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.invoices.models import Receipt
from officepass.invoices.services import record_refund
from officepass.payments.models import Payment, Refund
from officepass.payments.providers.base import ProviderError
from officepass.payments.providers.registry import provider_for


def refundable_yen(payment: Payment) -> int:
    taken = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount_yen"))
    return payment.amount_yen - int(taken["s"] or 0)


def refund_request(*, actor: User, payment: Payment, amount_yen: int, reason: str) -> Refund:
    """The secretariat refunds money of one paid payment, with a reason: the request is
    committed (capped by what is left), then sent to the provider (`refund_send`)."""
    if not actor.is_staff:
        raise DomainError("permission_denied")
    if not reason.strip():
        raise DomainError("invalid_input", field="reason")
    if amount_yen <= 0:
        raise DomainError("invalid_input", field="amount_yen")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.PAID:
            raise DomainError("invalid_input", field="payment")
        left = refundable_yen(locked)
        if amount_yen > left:
            raise DomainError("refund_exceeds_payment", refundable_yen=left)
        refund = Refund.objects.create(
            payment=locked,
            amount_yen=amount_yen,
            reason=reason.strip(),
            created_by=actor,
            created_at=clock.now(),
        )
        audit(
            actor=actor,
            action=AuditAction.PAYMENT_REFUND_REQUESTED,
            target=refund,
            payment=payment.pk,
            amount_yen=amount_yen,
            reason=reason.strip(),
        )
    return refund_send(refund=refund, actor=actor)


def refund_send(*, refund: Refund, actor: User) -> Refund:
    """Ask the provider to refund (again, after a failure: the same idempotency key refunds
    once), then record the return invoice. Provider down: the refund stays `failed` with the
    reason, retried from the console; nothing is recorded as refunded."""
    if refund.status == Refund.Status.SUCCEEDED:
        return refund
    payment = refund.payment
    provider = provider_for(payment.provider)
    try:
        payment_id = payment.provider_payment_id or provider.payment_id_for_invoice(
            payment.provider_reference
        )
        reference = provider.payment_refund(
            payment_id, amount_yen=refund.amount_yen, key=f"officepass-refund-{refund.pk}"
        )
    except ProviderError as exc:
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk).exclude(status=Refund.Status.SUCCEEDED).update(
                status=Refund.Status.FAILED, error=str(exc)[:300]
            )
            audit(
                actor=actor,
                action=AuditAction.PAYMENT_REFUND_FAILED,
                target=refund,
                error=str(exc)[:300],
            )
        raise DomainError("payment_provider_unavailable") from exc
    with transaction.atomic():
        if not payment.provider_payment_id:
            Payment.objects.filter(pk=payment.pk).update(provider_payment_id=payment_id)
        moved = (
            Refund.objects.filter(pk=refund.pk)
            .exclude(status=Refund.Status.SUCCEEDED)
            .update(status=Refund.Status.SUCCEEDED, provider_reference=reference, error="")
        )
        if moved:
            receipt = Receipt.objects.get(pk=int(payment.receipt_id or 0))
            document = record_refund(
                receipt=receipt,
                amount_yen=refund.amount_yen,
                reason=refund.reason,
                provider=payment.provider,
                provider_reference=reference,
                occurred_at=clock.now(),
                actor=actor,
            )
            Refund.objects.filter(pk=refund.pk).update(return_invoice_id=document.pk)
            audit(
                actor=actor,
                action=AuditAction.PAYMENT_REFUNDED,
                target=refund,
                payment=payment.pk,
                amount_yen=refund.amount_yen,
                provider_reference=reference,
                return_invoice=document.pk,
            )
    refund.refresh_from_db()
    return refund
