"""The built-in demo provider: no key, no network, clearly TEST MODE.

Its "hosted card page" is our own page (/pay/demo/<session>/) marked TEST MODE; paying there
produces the same Stripe-shaped events a real provider would send, stored and processed
through the same table and code (payments.demo_pay.demo_checkout_pay), and the worker renews
its subscriptions when their period ends (demo_renewals_due). Nothing is ever charged.
"""

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from officepass.payments.providers.base import (
    CheckoutRequest,
    CheckoutSession,
    InvalidEvent,
    PaymentProvider,
)


class DemoProvider(PaymentProvider):
    name = "demo"
    label = "Demo (test mode)"
    test_mode = True

    def checkout_create(self, request: CheckoutRequest) -> CheckoutSession:
        session_id = f"demo_cs_{secrets.token_urlsafe(12)}"
        return CheckoutSession(session_id=session_id, url=f"/pay/demo/{session_id}/")

    def subscription_cancel(self, subscription_id: str, *, at_period_end: bool) -> None:
        return None  # the demo "provider" is our own table: nothing to tell

    def subscription_reprice(self, subscription_id: str, *, amount_yen: int, name: str) -> None:
        return None

    def payment_refund(self, payment_id: str, *, amount_yen: int, key: str) -> str:
        return f"demo_re_{key}"

    def portal_url(self, customer_id: str, *, return_url: str) -> str:
        return return_url

    def event_verify(self, payload: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        raise InvalidEvent("the demo provider sends no webhooks")

    def payment_id_for_invoice(self, invoice_id: str) -> str:
        return invoice_id


def _ts(at: datetime) -> int:
    return int(at.timestamp())


def event(event_id: str, kind: str, obj: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": _ts(at),
        "livemode": False,
        "data": {"object": obj},
    }


def invoice(
    invoice_id: str,
    *,
    subscription_id: str,
    customer_id: str,
    amount_yen: int,
    period_start: datetime,
    period_end: datetime,
    first: bool,
    reference: str,
    paid: bool = True,
) -> dict[str, Any]:
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer_id,
        "currency": "jpy",
        "status": "paid" if paid else "open",
        "amount_due": amount_yen,
        "amount_paid": amount_yen if paid else 0,
        "billing_reason": "subscription_create" if first else "subscription_cycle",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription_id,
                "metadata": {"officepass_reference": reference} if reference else {},
            },
        },
        "lines": {
            "object": "list",
            "data": [
                {
                    "object": "line_item",
                    "amount": amount_yen,
                    "period": {"start": _ts(period_start), "end": _ts(period_end)},
                }
            ],
        },
    }
