"""Selling the pass: checkout, provider events, subscriptions, add-on packs (money refunds:
payments/refunds.py; the demo provider's card page and renewals: payments/demo_pay.py).

Rules (docs/architecture.md, decision 14; issue 14):
- No network I/O inside a transaction: what we ask the provider is committed first (an intent,
  a refund request), the provider is called after, and its answer recorded in a new one.
- Every provider event is stored first (unique event id), then processed once, in one
  transaction with all its effects; an event that cannot be applied yet (out of order) or fails
  stays in the table and the worker retries it (`webhook_events_retry`), never from memory.
- The payment, not the calendar, opens a card-paid cycle: first payment and every renewal
  grant the plan's tickets (the rest expires), linked to the payment (`Payment.grant`).
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from officepass.accounts.models import Plan, User
from officepass.accounts.services import member_payment_grace_set
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.invoices.services import SaleLine, record_charge
from officepass.payments.models import (
    CheckoutIntent,
    Payment,
    Subscription,
    WebhookEvent,
)
from officepass.payments.providers.base import (
    CheckoutCompleted,
    CheckoutRequest,
    Fact,
    InvoiceFailed,
    InvoicePaid,
    PaymentProvider,
    ProviderError,
    SubscriptionChanged,
)
from officepass.payments.providers.registry import provider_for
from officepass.tickets.cycles import paid_cycle_close, paid_cycle_start, paid_pack_grant
from officepass.tickets.services import member_plan_change

log = logging.getLogger(__name__)

LIVE = ~Q(status=Subscription.Status.CANCELED)


class NotReady(Exception):
    """The event refers to something we do not know yet (it came out of order): retry later."""


def intent_reference(intent: CheckoutIntent) -> str:
    return f"intent-{intent.pk}"


def _intent_for(reference: str) -> CheckoutIntent | None:
    if not reference.startswith("intent-") or not reference[7:].isdigit():
        return None
    return CheckoutIntent.objects.filter(pk=int(reference[7:])).first()


def live_subscription(member: User) -> Subscription | None:
    return Subscription.objects.filter(LIVE, member=member).select_related("plan").first()


# --- checkout -------------------------------------------------------------------------------


def checkout_start(
    *, member: User, plan: Plan, kind: str, next_path: str, base_url: str
) -> CheckoutIntent:
    """Commit what the member buys, then ask the provider for its card page (outside any
    transaction). Provider down: the intent is marked failed, the member is told to retry
    (`payment_provider_unavailable`); nothing was charged and nothing granted."""
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = ""
    subscription = live_subscription(member)
    if kind == CheckoutIntent.Kind.SUBSCRIPTION:
        if not plan.active or not plan.sold_by_card:
            raise DomainError("plan_not_for_sale")
        if subscription is not None:
            raise DomainError("already_subscribed")
        amount, description = plan.monthly_price_yen, f"officepass {plan.name} (monthly)"
        mode = "subscription"
    elif kind == CheckoutIntent.Kind.ADDON:
        if subscription is None or subscription.status != Subscription.Status.ACTIVE:
            raise DomainError("no_subscription")
        plan = subscription.plan
        if not plan.addon_pack_price_yen or not plan.addon_pack_tickets:
            raise DomainError("plan_not_for_sale")
        amount = plan.addon_pack_price_yen
        description = f"officepass add-on pack: {plan.addon_pack_tickets} tickets ({plan.name})"
        mode = "payment"
    else:
        raise DomainError("invalid_input", field="kind")
    provider = provider_for(subscription.provider if subscription else None)
    with transaction.atomic():
        intent = CheckoutIntent.objects.create(
            member=member,
            kind=kind,
            plan=plan,
            amount_yen=amount,
            provider=provider.name,
            next_path=next_path,
            created_at=clock.now(),
        )
        audit(
            actor=member,
            action=AuditAction.PAYMENT_CHECKOUT,
            target=intent,
            kind=kind,
            plan=plan.pk,
            amount_yen=amount,
            provider=provider.name,
        )
    back = f"{base_url.rstrip('/')}/pay/return/{intent.pk}/"
    request = CheckoutRequest(
        reference=intent_reference(intent),
        mode=mode,
        email=member.email,
        customer_id=subscription.provider_customer_id if subscription else "",
        description=description,
        amount_yen=amount,
        success_url=back,
        cancel_url=f"{base_url.rstrip('/')}/plans/?cancelled={intent.pk}",
        metadata={"member": str(member.pk), "plan": plan.code},
    )
    try:
        session = provider.checkout_create(request)
    except ProviderError as exc:
        CheckoutIntent.objects.filter(pk=intent.pk).update(
            status=CheckoutIntent.Status.FAILED, error=str(exc)[:300]
        )
        raise DomainError("payment_provider_unavailable") from exc
    CheckoutIntent.objects.filter(pk=intent.pk, status=CheckoutIntent.Status.CREATED).update(
        status=CheckoutIntent.Status.OPEN, session_id=session.session_id, url=session.url
    )
    intent.refresh_from_db()
    return intent


# --- provider events ------------------------------------------------------------------------


def webhook_receive(*, provider_name: str, payload: bytes, headers: Any) -> WebhookEvent:
    """Verify and store one webhook, then try to process it. Bad signature: InvalidEvent
    (nothing stored). Processing failures leave the event pending for the worker."""
    provider = provider_for(provider_name)
    event = provider.event_verify(payload, headers)
    row = event_store(provider=provider, event=event)
    webhook_event_process(row.pk)
    return row


def event_store(*, provider: PaymentProvider, event: dict[str, Any]) -> WebhookEvent:
    """Store an event once by its id (a redelivery finds the stored row)."""
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                provider=provider.name,
                event_id=str(event["id"]),
                type=str(event["type"]),
                payload=event,
                received_at=clock.now(),
                next_attempt_at=clock.now(),
            )
        ],
        ignore_conflicts=True,
    )
    return WebhookEvent.objects.get(provider=provider.name, event_id=str(event["id"]))


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** min(attempts, 10)))


def webhook_event_process(event_pk: int) -> bool:
    """Apply one stored event with all its effects in one transaction, exactly once: the row
    is locked (others skip it) and marked processed in the same transaction. Returns True if
    this call applied it."""
    try:
        with transaction.atomic():
            row = (
                WebhookEvent.objects.select_for_update(skip_locked=True)
                .filter(pk=event_pk, processed_at__isnull=True)
                .first()
            )
            if row is None:
                return False
            provider = provider_for(row.provider)
            for fact in provider.facts(row.payload):
                _apply(provider, fact, event_created=int(row.payload.get("created") or 0))
            row.processed_at = clock.now()
            row.attempts += 1
            row.last_error = ""
            row.save(update_fields=["processed_at", "attempts", "last_error"])
        return True
    except (NotReady, DomainError, IntegrityError, KeyError, ValueError) as exc:
        _event_failed(event_pk, exc)
        return False
    except Exception as exc:  # a bug must not lose the event: it stays stored and retried
        log.exception("payment event %s raised", event_pk)
        _event_failed(event_pk, exc)
        return False


def _event_failed(event_pk: int, exc: Exception) -> None:
    log.warning("payment event %s not applied: %s", event_pk, exc)
    row = WebhookEvent.objects.filter(pk=event_pk, processed_at__isnull=True).first()
    if row is None:
        return
    WebhookEvent.objects.filter(pk=event_pk, processed_at__isnull=True).update(
        attempts=row.attempts + 1,
        next_attempt_at=clock.now() + _backoff(row.attempts),
        last_error=f"{type(exc).__name__}: {exc}"[:500],
    )


def webhook_events_retry(*, limit: int = 200) -> int:
    """Worker task: apply stored events not yet processed whose retry time has come."""
    due = WebhookEvent.objects.filter(
        processed_at__isnull=True, next_attempt_at__lte=clock.now()
    ).order_by("received_at", "pk")
    return sum(webhook_event_process(pk) for pk in due.values_list("pk", flat=True)[:limit])


def _apply(provider: PaymentProvider, fact: Fact, *, event_created: int) -> None:
    if isinstance(fact, CheckoutCompleted):
        _checkout_completed(provider, fact)
    elif isinstance(fact, InvoicePaid):
        _invoice_paid(provider, fact)
    elif isinstance(fact, InvoiceFailed):
        _invoice_failed(provider, fact)
    elif isinstance(fact, SubscriptionChanged):
        _subscription_changed(provider, fact, event_created=event_created)


def _subscription_for(
    provider: PaymentProvider, subscription_id: str, *, reference: str = "", customer_id: str = ""
) -> Subscription:
    """Our row for a provider subscription, made from the checkout intent named in its
    metadata if this is the first we hear of it; NotReady if we cannot tell whose it is."""
    sub = (
        Subscription.objects.select_for_update()
        .filter(provider=provider.name, provider_subscription_id=subscription_id)
        .select_related("plan", "member")
        .first()
    )
    if sub is not None:
        return sub
    intent = _intent_for(reference)
    if intent is None or intent.kind != CheckoutIntent.Kind.SUBSCRIPTION:
        raise NotReady(f"unknown subscription {subscription_id}")
    sub = Subscription.objects.create(
        member=intent.member,
        plan=intent.plan,
        provider=provider.name,
        provider_customer_id=customer_id,
        provider_subscription_id=subscription_id,
        created_at=clock.now(),
    )
    audit(
        actor=None,
        action=AuditAction.SUBSCRIPTION_START,
        target=sub,
        member=intent.member_id,
        plan=intent.plan_id,
        provider=provider.name,
        subscription=subscription_id,
    )
    return sub


def _checkout_completed(provider: PaymentProvider, fact: CheckoutCompleted) -> None:
    intent = _intent_for(fact.reference)
    if intent is None or intent.provider != provider.name:
        return  # not one of ours
    if not fact.paid:
        return
    CheckoutIntent.objects.filter(pk=intent.pk).exclude(
        status=CheckoutIntent.Status.COMPLETED
    ).update(status=CheckoutIntent.Status.COMPLETED, session_id=fact.session_id)
    if intent.kind == CheckoutIntent.Kind.SUBSCRIPTION and fact.subscription_id:
        sub = _subscription_for(
            provider,
            fact.subscription_id,
            reference=fact.reference,
            customer_id=fact.customer_id,
        )
        if fact.customer_id and not sub.provider_customer_id:
            Subscription.objects.filter(pk=sub.pk).update(provider_customer_id=fact.customer_id)
        return
    if intent.kind == CheckoutIntent.Kind.ADDON:
        live = live_subscription(intent.member)
        plan = intent.plan
        reference = fact.payment_id or fact.session_id
        payment = _payment_create(
            provider,
            member=intent.member,
            subscription=live,
            plan=plan,
            kind=Payment.Kind.ADDON,
            status=Payment.Status.PAID,
            amount_yen=fact.amount_yen,
            reference=reference,
            payment_id=fact.payment_id,
        )
        if payment is None:
            return
        grant = paid_pack_grant(
            member=intent.member,
            tickets=plan.addon_pack_tickets,
            key=f"payment:{provider.name}:{reference}",
            reason=f"add-on pack: {plan.name}",
        )
        _payment_settle(
            payment,
            grant=grant,
            line=SaleLine(
                description_ja=f"追加チケット {plan.addon_pack_tickets}回分({plan.name})",
                description_en=f"Add-on pack, {plan.addon_pack_tickets} tickets "
                f"({plan.name_en or plan.name})",
                amount_yen=payment.amount_yen,
                tax_rate_percent=plan.tax_rate_percent,
            ),
        )


def _payment_create(
    provider: PaymentProvider,
    *,
    member: User,
    subscription: Subscription | None,
    plan: Plan,
    kind: str,
    status: str,
    amount_yen: int,
    reference: str,
    payment_id: str = "",
    period_end: Any = None,
) -> Payment | None:
    """The payment row, once per (provider, reference, status); None if it already exists."""
    if Payment.objects.filter(
        provider=provider.name, provider_reference=reference, status=status
    ).exists():
        return None
    with transaction.atomic():  # a savepoint: a concurrent twin loses on the unique constraint
        return Payment.objects.create(
            member=member,
            subscription=subscription,
            plan=plan,
            kind=kind,
            status=status,
            amount_yen=amount_yen,
            tax_rate_percent=plan.tax_rate_percent,
            provider=provider.name,
            provider_reference=reference,
            provider_payment_id=payment_id,
            occurred_at=clock.now(),
            period_end=period_end,
        )


def _payment_settle(payment: Payment, *, grant: Any, line: SaleLine) -> None:
    """Link the grant it paid for, append the charge to the money ledger with its receipt."""
    receipt = record_charge(
        payer=payment.member,
        provider=payment.provider,
        provider_reference=payment.provider_reference,
        occurred_at=payment.occurred_at,
        lines=[line],
        company=None,
        actor=None,
    )
    payment.grant = grant
    payment.receipt_id = receipt.pk
    payment.save(update_fields=["grant", "receipt_id"])
    audit(
        actor=None,
        action=AuditAction.PAYMENT_RECEIVED,
        target=payment,
        member=payment.member_id,
        kind=payment.kind,
        amount_yen=payment.amount_yen,
        reference=payment.provider_reference,
        grant=getattr(grant, "pk", None),
        receipt=receipt.pk,
    )


def _invoice_paid(provider: PaymentProvider, fact: InvoicePaid) -> None:
    sub = _subscription_for(
        provider, fact.subscription_id, reference=fact.reference, customer_id=fact.customer_id
    )
    member = User.objects.select_related("plan").get(pk=sub.member_id)
    plan = sub.plan
    changing = not fact.first and sub.next_plan is not None
    if sub.next_plan is not None and changing:
        plan = sub.next_plan
    payment = _payment_create(
        provider,
        member=member,
        subscription=sub,
        plan=plan,
        kind=Payment.Kind.FIRST if fact.first else Payment.Kind.RENEWAL,
        status=Payment.Status.PAID,
        amount_yen=fact.amount_yen,
        reference=fact.invoice_id,
        payment_id=fact.payment_id,
        period_end=fact.period_end,
    )
    if payment is None:
        return
    if member.plan_id != plan.pk:
        member_plan_change(actor=None, member=member, plan=plan)  # type: ignore[arg-type]
    if changing:
        sub.plan, sub.next_plan = plan, None
    grant = paid_cycle_start(
        member=member,
        tickets=plan.tickets_per_cycle,
        cycle_ends_at=fact.period_end,
        key=f"payment:{provider.name}:{fact.invoice_id}",
        reason=f"paid cycle: {plan.name}",
    )
    sub.status = Subscription.Status.ACTIVE
    if sub.current_period_end is None or fact.period_end > sub.current_period_end:
        sub.current_period_end = fact.period_end
    if fact.customer_id and not sub.provider_customer_id:
        sub.provider_customer_id = fact.customer_id
    sub.save()
    member_payment_grace_set(member=member, until=None)
    local = fact.period_end.astimezone(clock.network_zone())
    _payment_settle(
        payment,
        grant=grant,
        line=SaleLine(
            description_ja=f"{plan.name} 月額(〜{local:%Y-%m-%d})",
            description_en=f"{plan.name_en or plan.name}, monthly (to {local:%Y-%m-%d})",
            amount_yen=payment.amount_yen,
            tax_rate_percent=plan.tax_rate_percent,
        ),
    )


def _invoice_failed(provider: PaymentProvider, fact: InvoiceFailed) -> None:
    sub = _subscription_for(provider, fact.subscription_id)
    if Payment.objects.filter(
        provider=provider.name, provider_reference=fact.invoice_id, status=Payment.Status.PAID
    ).exists():
        return  # a late failure notice for an invoice already paid (a retry succeeded)
    payment = _payment_create(
        provider,
        member=sub.member,
        subscription=sub,
        plan=sub.plan,
        kind=Payment.Kind.RENEWAL,
        status=Payment.Status.FAILED,
        amount_yen=fact.amount_yen,
        reference=fact.invoice_id,
    )
    if payment is None:
        return
    Subscription.objects.filter(pk=sub.pk, status=Subscription.Status.ACTIVE).update(
        status=Subscription.Status.PAST_DUE
    )
    until = clock.now() + timedelta(days=settings.PAYMENTS_GRACE_DAYS)
    member_payment_grace_set(member=sub.member, until=until)
    audit(
        actor=None,
        action=AuditAction.PAYMENT_FAILED,
        target=payment,
        member=sub.member_id,
        amount_yen=fact.amount_yen,
        reference=fact.invoice_id,
        grace_ends_at=until.isoformat(),
    )


def _subscription_changed(
    provider: PaymentProvider, fact: SubscriptionChanged, *, event_created: int
) -> None:
    sub = _subscription_for(provider, fact.subscription_id)
    if sub.status == Subscription.Status.CANCELED:
        return  # ended is final: a late "updated" cannot revive it
    if fact.ended:
        sub.status = Subscription.Status.CANCELED
        sub.save(update_fields=["status"])
        member = User.objects.get(pk=sub.member_id)
        paid_cycle_close(member=member, key=f"subscription-end:{provider.name}:{sub.pk}")
        member_payment_grace_set(member=member, until=None)
        audit(
            actor=None,
            action=AuditAction.SUBSCRIPTION_END,
            target=sub,
            member=sub.member_id,
        )
        return
    if sub.cancel_at_period_end != fact.cancel_at_period_end:
        sub.cancel_at_period_end = fact.cancel_at_period_end
        sub.save(update_fields=["cancel_at_period_end"])


# --- member actions -------------------------------------------------------------------------


def _own_live_subscription(member: User) -> Subscription:
    sub = live_subscription(member)
    if sub is None:
        raise DomainError("no_subscription")
    return sub


def subscription_cancel(*, member: User, cancel: bool = True) -> Subscription:
    """Cancel at the end of the paid period (no renewal; tickets last until then), or undo it.
    The provider is asked first (no transaction open), then our row follows."""
    sub = _own_live_subscription(member)
    try:
        provider_for(sub.provider).subscription_cancel(
            sub.provider_subscription_id, at_period_end=cancel
        )
    except ProviderError as exc:
        raise DomainError("payment_provider_unavailable") from exc
    with transaction.atomic():
        Subscription.objects.filter(pk=sub.pk).update(cancel_at_period_end=cancel)
        sub.cancel_at_period_end = cancel
        audit(
            actor=member,
            action=AuditAction.SUBSCRIPTION_CANCEL if cancel else AuditAction.SUBSCRIPTION_RESUME,
            target=sub,
            period_end=sub.current_period_end.isoformat() if sub.current_period_end else None,
        )
    return sub


def subscription_plan_change(*, member: User, plan: Plan) -> Subscription:
    """Change plan from the next cycle: the next renewal charges the new price and grants the
    new plan's tickets; this cycle's tickets stay as they are (the page says so first)."""
    sub = _own_live_subscription(member)
    if not plan.active or not plan.sold_by_card:
        raise DomainError("plan_not_for_sale")
    try:
        provider_for(sub.provider).subscription_reprice(
            sub.provider_subscription_id, amount_yen=plan.monthly_price_yen, name=plan.name
        )
    except ProviderError as exc:
        raise DomainError("payment_provider_unavailable") from exc
    with transaction.atomic():
        next_plan = None if plan.pk == sub.plan_id else plan
        Subscription.objects.filter(pk=sub.pk).update(next_plan=next_plan)
        sub.next_plan = next_plan
        audit(
            actor=member,
            action=AuditAction.SUBSCRIPTION_PLAN_CHANGE,
            target=sub,
            old=sub.plan_id,
            new=plan.pk,
        )
    return sub


def card_portal_url(*, member: User, return_url: str) -> str:
    sub = _own_live_subscription(member)
    try:
        return provider_for(sub.provider).portal_url(
            sub.provider_customer_id, return_url=return_url
        )
    except ProviderError as exc:
        raise DomainError("payment_provider_unavailable") from exc
