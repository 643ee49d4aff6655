"""Domain errors with stable codes; the API maps each code to an HTTP status.

Messages are translatable (Japanese default, English); codes are stable English identifiers
that clients branch on.
"""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# code -> (HTTP status, message)
ERRORS: dict[str, tuple[int, Promise]] = {
    "invalid_input": (400, _("The request is not valid.")),
    "invalid_duration": (400, _("That length of stay cannot be chosen here.")),
    "invalid_credentials": (401, _("The e-mail address or password is wrong.")),
    "not_authenticated": (401, _("Please sign in.")),
    "invalid_signature": (401, _("The request's signature is missing, stale or wrong.")),
    "email_not_verified": (
        403,
        _("Please confirm your e-mail address first: open the link in the mail we sent you."),
    ),
    "permission_denied": (403, _("You are not allowed to do this.")),
    "csrf_failed": (
        403,
        _("This request did not come from an officepass page. Reload the page and try again."),
    ),
    "no_plan": (
        403,
        _("You have no plan. Choose a plan, or join your company with its code, to check in."),
    ),
    "invalid_company_code": (404, _("No company has this code. Check the 16 digits.")),
    "payment_required": (
        402,
        _("Your last monthly payment did not go through. Update your card to check in again."),
    ),
    "plan_not_valid_here": (
        403,
        _("Your plan does not cover this office or seat type. Choose another office nearby."),
    ),
    "not_found": (404, _("Not found.")),
    "invalid_code": (404, _("This check-in code is not valid. Scan the code at the door again.")),
    "code_expired": (
        404,
        _("This door code has expired. Scan the code on the door's display again."),
    ),
    "no_active_stay": (404, _("You are not checked in anywhere.")),
    "method_not_allowed": (405, _("This method is not allowed here.")),
    "request_too_large": (413, _("The request is too large.")),
    "space_full": (409, _("This space is full. Try another office nearby.")),
    "insufficient_tickets": (409, _("You do not have enough tickets for this.")),
    "already_checked_in": (
        409,
        _("You are already checked in. Check out first, then check in here."),
    ),
    "monthly_cap_reached": (
        409,
        _("Your company's monthly limit for you is reached. Ask your company's administrator."),
    ),
    "office_closed": (409, _("This office is closed now.")),
    "office_closing": (409, _("The office closes before that time. Choose a shorter time.")),
    "office_closing_soon": (
        409,
        _("Check-in has ended for today: the office closes before one time unit would end."),
    ),
    "extension_not_open": (
        409,
        _("You cannot extend yet: extension opens shortly before the checkout deadline."),
    ),
    "unlock_first": (
        409,
        _(
            "Unlock the door first, then check out: after checking out the app cannot open it. "
            "If you are already outside, say so."
        ),
    ),
    "stay_not_active": (
        409,
        _("This stay has ended. If you are still inside, call the office's help desk."),
    ),
    "recovery_not_available": (
        409,
        _("A stay can be cancelled only shortly after check-in, once Unlock has failed."),
    ),
    "recovery_needs_help_desk": (
        409,
        _(
            "The door may have opened for this stay, so it cannot be cancelled here. "
            "Please call the office's help desk; we have sent them a report."
        ),
    ),
    "invalid_amount": (400, _("The amount must be a whole number of yen above zero.")),
    "invalid_tax_rate": (400, _("The consumption tax rate must be 10%, 8% or 0%.")),
    "refund_exceeds_charge": (
        409,
        _("A payment cannot be refunded more than was paid, less earlier refunds."),
    ),
    "rate_already_set": (409, _("A price per ticket is already set from that date.")),
    "company_rate_missing": (
        409,
        _("This company has no price per ticket yet, so its invoice cannot be issued."),
    ),
    "invoice_already_paid": (409, _("This invoice is already marked as paid.")),
    "refund_exceeds_consumption": (
        409,
        _("A stay cannot be refunded more tickets than it used, less earlier refunds."),
    ),
    "month_not_over": (409, _("This month has not ended yet on the network's calendar.")),
    "rate_exists": (409, _("A payout rate already starts on that day.")),
    "rate_in_closed_month": (
        409,
        _("That month is already closed: a new rate can start only after the last statement."),
    ),
    "backup_pin_unavailable": (
        409,
        _("No backup PIN is available for this stay. Call the office's help desk."),
    ),
    "idempotency_key_reused": (
        409,
        _("This Idempotency-Key was already used for a different request."),
    ),
    "request_in_progress": (
        409,
        _("The same request is still being processed. Wait a moment and try again."),
    ),
    "invalid_csv": (
        400,
        _("The CSV file cannot be imported as it is: see the errors, fix the file, try again."),
    ),
    "push_unavailable": (
        409,
        _("Push notifications are not set up on this server. You will get e-mails instead."),
    ),
    "seat_available": (409, _("A seat is free now. Check in instead of waiting.")),
    "plan_not_for_sale": (409, _("This plan cannot be bought now. Choose another plan.")),
    "already_subscribed": (
        409,
        _("You already have a monthly plan. Change it from your account page."),
    ),
    "no_subscription": (409, _("You have no monthly plan paid by card.")),
    "refund_exceeds_payment": (
        409,
        _("A payment cannot be refunded more than it was, less earlier refunds."),
    ),
    "too_many_attempts": (429, _("Too many attempts. Wait a few minutes and try again.")),
    "service_unavailable": (
        503,
        _("The service is briefly unavailable. Nothing was lost; please try again shortly."),
    ),
    "payment_provider_unavailable": (
        503,
        _(
            "The card payment service is not answering. Nothing was charged and nothing "
            "changed; please try again in a few minutes."
        ),
    ),
    "lock_unavailable": (
        503,
        _("The door lock is not answering. Please use a nearby office or contact support."),
    ),
}


class DomainError(Exception):
    """A rule refused the action. `code` is stable; `extra` is added to the error body."""

    def __init__(self, code: str, message: str | Promise | None = None, **extra: Any) -> None:
        if code not in ERRORS:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.status = ERRORS[code][0]
        self.message = message if message is not None else ERRORS[code][1]
        self.extra = extra
        super().__init__(code)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
