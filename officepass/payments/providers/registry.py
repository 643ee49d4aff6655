"""Provider lookup by name. The default is `stripe` when a Stripe key is set in the
environment, else the built-in `demo` provider (test mode, no key), so `make run` works."""

from django.conf import settings

from officepass.payments.providers.base import PaymentProvider
from officepass.payments.providers.demo.provider import DemoProvider
from officepass.payments.providers.stripe.provider import StripeProvider

PROVIDERS: dict[str, type[PaymentProvider]] = {p.name: p for p in (StripeProvider, DemoProvider)}


def default_provider_name() -> str:
    name = settings.PAYMENTS_PROVIDER
    if name:
        return str(name)
    return "stripe" if settings.STRIPE_SECRET_KEY else "demo"


def provider_for(name: str | None = None) -> PaymentProvider:
    name = name or default_provider_name()
    if name not in PROVIDERS:
        raise ValueError(f"unknown payment provider {name!r}")
    return PROVIDERS[name]()
