"""The interface every payment provider implements (one folder per provider: providers/<name>/).

A provider hosts the card page (checkout), runs the monthly subscription, refunds, and tells
us what happened by signed events. Events are Stripe-shaped dictionaries (`id`, `type`,
`created`, `data.object`) whatever the provider; `facts` turns one into what we act on.
Network calls raise `ProviderError` (never a raw library exception) so the caller can tell the
member to try again; no provider call is made inside a database transaction.
"""

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ProviderError(Exception):
    """The provider could not be reached or refused; `retryable` when trying later may work."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class InvalidEvent(Exception):
    """A webhook whose signature is missing, wrong or stale, or whose body is not an event."""


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str  # our CheckoutIntent, e.g. "intent-42"
    mode: str  # "subscription" (monthly plan) or "payment" (one add-on pack)
    email: str
    customer_id: str  # "" when the member has none yet
    description: str
    amount_yen: int  # tax included
    success_url: str
    cancel_url: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckoutSession:
    session_id: str
    url: str


# What an event means to us, provider-neutral.
@dataclass(frozen=True)
class CheckoutCompleted:
    reference: str
    session_id: str
    customer_id: str
    subscription_id: str
    payment_id: str  # for a one-off payment (add-on pack)
    amount_yen: int
    paid: bool


@dataclass(frozen=True)
class InvoicePaid:
    invoice_id: str
    subscription_id: str
    customer_id: str
    amount_yen: int
    period_end: datetime
    first: bool  # the subscription's first invoice
    reference: str  # our CheckoutIntent, from the subscription's metadata ("" if absent)
    payment_id: str


@dataclass(frozen=True)
class InvoiceFailed:
    invoice_id: str
    subscription_id: str
    amount_yen: int


@dataclass(frozen=True)
class SubscriptionChanged:
    subscription_id: str
    status: str
    cancel_at_period_end: bool
    ended: bool


Fact = CheckoutCompleted | InvoicePaid | InvoiceFailed | SubscriptionChanged


class PaymentProvider(abc.ABC):
    name: str = ""
    label: str = ""
    test_mode: bool = False

    @abc.abstractmethod
    def checkout_create(self, request: CheckoutRequest) -> CheckoutSession:
        """A hosted card page for one purchase; the member is sent to `url`."""

    @abc.abstractmethod
    def subscription_cancel(self, subscription_id: str, *, at_period_end: bool) -> None:
        """Cancel at the end of the paid period (or undo that with at_period_end=False)."""

    @abc.abstractmethod
    def subscription_reprice(self, subscription_id: str, *, amount_yen: int, name: str) -> None:
        """Charge `amount_yen` from the next cycle on (no proration: the change waits)."""

    @abc.abstractmethod
    def payment_refund(self, payment_id: str, *, amount_yen: int, key: str) -> str:
        """Refund money of one payment; returns the provider's refund id. `key` makes a retry
        of the same refund refund once."""

    @abc.abstractmethod
    def portal_url(self, customer_id: str, *, return_url: str) -> str:
        """Where the member changes their card."""

    @abc.abstractmethod
    def event_verify(self, payload: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """The event a webhook carries, once its signature is checked; else InvalidEvent."""

    @abc.abstractmethod
    def payment_id_for_invoice(self, invoice_id: str) -> str:
        """What a refund of a subscription invoice is made against."""

    def facts(self, event: Mapping[str, Any]) -> list[Fact]:
        """What one stored event means to us ([] for types we do not act on)."""
        from officepass.payments.providers.stripe.events import facts

        return facts(event)
