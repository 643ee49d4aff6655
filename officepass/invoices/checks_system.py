"""Django system checks of the issuer settings: a malformed registration number or an empty
issuer name stops `runserver`, `migrate` and the worker with a clear message."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from officepass.invoices.issuer import registration_number_problem


@register()
def issuer_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    problem = registration_number_problem(settings.INVOICE_ISSUER_REGISTRATION_NUMBER)
    if problem:
        errors.append(
            Error(
                f"INVOICE_ISSUER_REGISTRATION_NUMBER "
                f"{settings.INVOICE_ISSUER_REGISTRATION_NUMBER!r}: {problem}",
                hint="Set the qualified-invoice registration number, e.g. T7000012050002, "
                "in the environment.",
                id="invoices.E001",
            )
        )
    for name in ("INVOICE_ISSUER_NAME_JA", "INVOICE_ISSUER_NAME_EN"):
        if not str(getattr(settings, name, "")).strip():
            errors.append(
                Error(f"{name} is empty", hint="Set the issuer's name.", id="invoices.E002")
            )
    return errors
