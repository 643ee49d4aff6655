"""Stripe event objects → facts (docs: Stripe API reference, "Events", the 2025-03-31+ shapes).

Invoices name their subscription under `parent.subscription_details` (older API versions:
`invoice.subscription`, read too); the cycle an invoice pays for is its line's `period.end`.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from officepass.payments.providers.base import (
    CheckoutCompleted,
    Fact,
    InvoiceFailed,
    InvoicePaid,
    SubscriptionChanged,
)


def _id(value: Any) -> str:
    """An expandable field: an id string, an expanded object, or null."""
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return str(value or "")


def _invoice_subscription(invoice: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    subscription = _id(details.get("subscription")) or _id(invoice.get("subscription"))
    return subscription, details.get("metadata") or {}


def _period_end(invoice: Mapping[str, Any]) -> datetime:
    lines = (invoice.get("lines") or {}).get("data") or []
    ends = [int(line["period"]["end"]) for line in lines if line.get("period")]
    end = max(ends) if ends else int(invoice.get("period_end") or 0)
    return datetime.fromtimestamp(end, tz=UTC)


def facts(event: Mapping[str, Any]) -> list[Fact]:
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        return [
            CheckoutCompleted(
                reference=str(obj.get("client_reference_id") or ""),
                session_id=str(obj["id"]),
                customer_id=_id(obj.get("customer")),
                subscription_id=_id(obj.get("subscription")),
                payment_id=_id(obj.get("payment_intent")),
                amount_yen=int(obj.get("amount_total") or 0),
                paid=obj.get("payment_status") in ("paid", "no_payment_required"),
            )
        ]
    if kind == "invoice.paid":
        subscription, metadata = _invoice_subscription(obj)
        if not subscription:
            return []
        return [
            InvoicePaid(
                invoice_id=str(obj["id"]),
                subscription_id=subscription,
                customer_id=_id(obj.get("customer")),
                amount_yen=int(obj.get("amount_paid") or 0),
                period_end=_period_end(obj),
                first=obj.get("billing_reason") == "subscription_create",
                reference=str(metadata.get("officepass_reference") or ""),
                payment_id=_id(obj.get("payment_intent")),
            )
        ]
    if kind == "invoice.payment_failed":
        subscription, _metadata = _invoice_subscription(obj)
        if not subscription:
            return []
        return [
            InvoiceFailed(
                invoice_id=str(obj["id"]),
                subscription_id=subscription,
                amount_yen=int(obj.get("amount_due") or 0),
            )
        ]
    if kind in ("customer.subscription.updated", "customer.subscription.deleted"):
        return [
            SubscriptionChanged(
                subscription_id=str(obj["id"]),
                status=str(obj.get("status") or ""),
                cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
                ended=kind == "customer.subscription.deleted" or obj.get("status") == "canceled",
            )
        ]
    return []
