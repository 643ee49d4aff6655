"""Stripe through its official SDK: Checkout Sessions for the card page, Billing subscriptions,
the Customer Portal for card changes, Refunds, and signed webhooks.

Keys come from the environment (settings.STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET), never from
the database. `STRIPE_API_BASE` points the SDK elsewhere (the tests' local fake Stripe).
"""

import json
from collections.abc import Mapping
from typing import Any

import stripe
from django.conf import settings

from officepass.payments.providers.base import (
    CheckoutRequest,
    CheckoutSession,
    InvalidEvent,
    PaymentProvider,
    ProviderError,
)


class StripeProvider(PaymentProvider):
    name = "stripe"
    label = "Stripe"

    def __init__(self) -> None:
        base = settings.STRIPE_API_BASE
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": base} if base else {},
            max_network_retries=0,
            http_client=stripe.HTTPXClient(
                timeout=settings.PAYMENTS_PROVIDER_TIMEOUT, allow_sync_methods=True
            ),
        )

    def _call(self, fn: Any, **params: Any) -> Any:
        try:
            return fn(params=params)
        except stripe.APIConnectionError as exc:
            raise ProviderError(f"stripe not reachable: {exc.user_message or exc}") from exc
        except stripe.RateLimitError as exc:
            raise ProviderError("stripe rate limit") from exc
        except stripe.StripeError as exc:
            retryable = (exc.http_status or 500) >= 500
            raise ProviderError(f"stripe: {exc.user_message or exc}", retryable=retryable) from exc

    def checkout_create(self, request: CheckoutRequest) -> CheckoutSession:
        price_data: dict[str, Any] = {
            "currency": "jpy",
            "unit_amount": request.amount_yen,
            "product_data": {"name": request.description},
        }
        params: dict[str, Any] = {
            "mode": request.mode,
            "client_reference_id": request.reference,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "metadata": {"officepass_reference": request.reference, **request.metadata},
        }
        if request.mode == "subscription":
            price_data["recurring"] = {"interval": "month"}
            params["subscription_data"] = {
                "metadata": {"officepass_reference": request.reference, **request.metadata}
            }
        params["line_items"] = [{"price_data": price_data, "quantity": 1}]
        if request.customer_id:
            params["customer"] = request.customer_id
        else:
            params["customer_email"] = request.email
            if request.mode == "payment":
                params["customer_creation"] = "always"
        session = self._call(self.client.v1.checkout.sessions.create, **params)
        return CheckoutSession(session_id=session.id, url=session.url)

    def subscription_cancel(self, subscription_id: str, *, at_period_end: bool) -> None:
        self._call(
            lambda params: self.client.v1.subscriptions.update(subscription_id, params=params),
            cancel_at_period_end=at_period_end,
        )

    def subscription_reprice(self, subscription_id: str, *, amount_yen: int, name: str) -> None:
        subscription = self._call(
            lambda params: self.client.v1.subscriptions.retrieve(subscription_id, params=params)
        )
        item = subscription["items"]["data"][0]
        price = item["price"]
        self._call(
            lambda params: self.client.v1.subscriptions.update(subscription_id, params=params),
            items=[
                {
                    "id": item["id"],
                    "price_data": {
                        "currency": "jpy",
                        "product": price["product"],
                        "unit_amount": amount_yen,
                        "recurring": {"interval": "month"},
                    },
                }
            ],
            proration_behavior="none",
            metadata={"plan_name": name},
        )

    def payment_refund(self, payment_id: str, *, amount_yen: int, key: str) -> str:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment_id, "amount": amount_yen},
                options={"idempotency_key": key},
            )
        except stripe.APIConnectionError as exc:
            raise ProviderError(f"stripe not reachable: {exc}") from exc
        except stripe.StripeError as exc:
            raise ProviderError(
                f"stripe: {exc.user_message or exc}", retryable=(exc.http_status or 500) >= 500
            ) from exc
        return str(refund.id)

    def portal_url(self, customer_id: str, *, return_url: str) -> str:
        session = self._call(
            self.client.v1.billing_portal.sessions.create,
            customer=customer_id,
            return_url=return_url,
        )
        return str(session.url)

    def payment_id_for_invoice(self, invoice_id: str) -> str:
        payments = self._call(
            self.client.v1.invoice_payments.list, invoice=invoice_id, status="paid"
        )
        for row in payments.data:
            payment = row["payment"].to_dict()
            if payment.get("type") == "payment_intent" and payment.get("payment_intent"):
                return str(payment["payment_intent"])
        raise ProviderError(f"no paid payment intent for {invoice_id}", retryable=False)

    def event_verify(self, payload: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        signature = headers.get("Stripe-Signature") or headers.get("stripe-signature") or ""
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not signature or not secret:
            raise InvalidEvent("no signature")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"),
                signature,
                secret,
                tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
            )
            event = json.loads(payload)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise InvalidEvent(str(exc)) from exc
        if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
            raise InvalidEvent("not an event")
        return event
