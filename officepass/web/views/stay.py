"""The stay screen: unlock with a confirmation, extend from T−15, the checkout sequence.

Each POST calls one service; a refusal is shown with the API's code and message and what to
do next (another office, the help desk, a report).
"""

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.locks.credentials import (
    DEVICE,
    SCREEN,
    backup_pin_valid_until,
    lock_credential_backup_pin,
    stay_backup_pin_ready,
    stay_last_unlock_failed,
)
from officepass.stays import rules
from officepass.stays.models import Stay
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.selectors import stay_current, stay_door_opened_recently
from officepass.stays.services import access_own_stay, stay_checkout, stay_extend, stay_unlock
from officepass.stays.shapes import stay_out
from officepass.web import presenters
from officepass.web.templatetags.web_tags import tickets as tickets_label
from officepass.web.views.pages import member_of, office_context


@login_required
def current(request: HttpRequest) -> HttpResponse:
    try:
        stay = stay_current(member=member_of(request))
    except DomainError:
        return redirect("web:home")
    return redirect("web:stay", stay_id=stay.pk)


def _stay_context(request: HttpRequest, stay: Stay, **extra: Any) -> dict[str, Any]:
    now = clock.now()
    data = stay_out(stay, now=now)
    wallet = presenters.wallet_of(member_of(request))
    context: dict[str, Any] = {
        "stay": stay,
        "data": data,
        "wallet": wallet,
        "now": now,
        "seconds_left": max(int((stay.deadline - now).total_seconds()), 0),
        "seconds_to_extension": max(int((stay.extension_opens_at - now).total_seconds()), 0),
        "extensions": [],
        "refusal": None,
        # Staff force a checkout before the deadline; the deadline's own end is at it.
        "ended_by_staff": stay.status == Stay.Status.FORCED_OUT
        and stay.ended_at is not None
        and stay.ended_at < stay.deadline,
        **office_context(stay.office_id),
    }
    context.update(_backup_pin_context(request, stay, data["status"]))
    if data["can_extend"]:
        minutes = presenters.extension_minutes(stay, now)
        context["extensions"] = presenters.priced(
            minutes, stay.office.unit_minutes, wallet, start=stay.deadline, office=stay.office
        )
        context["extend_affordable"] = any(o["affordable"] for o in context["extensions"])
    context.update(extra)
    return context


def _backup_pin_context(request: HttpRequest, stay: Stay, status: str) -> dict[str, Any]:
    """On a credential lock the phone keeps the stay's PIN for the offline page (audited once);
    the screen offers it after the app failed to unlock."""
    if status != "active" or not stay_backup_pin_ready(stay):
        return {}
    try:
        kept = lock_credential_backup_pin(member=member_of(request), stay_id=stay.pk, to=DEVICE)
    except DomainError:
        return {}
    until = timezone.localtime(backup_pin_valid_until(kept), ZoneInfo(stay.office.timezone))
    return {
        "kept_pin": kept.pin,
        "pin_until": until.strftime("%H:%M"),
        "unlock_failed": stay_last_unlock_failed(stay),
    }


def _own(request: HttpRequest, stay_id: int) -> Stay:
    return access_own_stay(member=member_of(request), stay_id=stay_id)


def _refused_by_service(
    request: HttpRequest, stay_id: int, exc: DomainError, template: str
) -> HttpResponse:
    """A service refused: someone else's or no stay is the error page, anything else is the
    stay's own page with what to do. The stay is read here, on the refusal path only: the
    service itself already read it (access_own_stay) on the way in."""
    if exc.code != "not_found":
        try:
            return _refused(request, _own(request, stay_id), exc, template)
        except DomainError as missing:  # e.g. a bad duration posted for someone else's stay
            exc = missing
    return render(request, "web/error.html", {"error": exc}, status=exc.status)


def _refused(request: HttpRequest, stay: Stay, exc: DomainError, template: str) -> HttpResponse:
    refusal = presenters.refusal(
        exc.code, office=stay.office, seat_type=stay.space.seat_type, **exc.extra
    )
    refusal["message"] = str(exc.message)
    stay.refresh_from_db()
    context = _stay_context(request, stay, refusal=refusal)
    return render(request, template, context, status=exc.status)


@login_required
def stay_detail(request: HttpRequest, stay_id: int) -> HttpResponse:
    try:
        stay = _own(request, stay_id)
    except DomainError as exc:
        return render(request, "web/error.html", {"error": exc}, status=exc.status)
    return render(request, "web/stay.html", _stay_context(request, stay))


@login_required
@require_POST
def unlock(request: HttpRequest, stay_id: int) -> HttpResponse:
    then = request.POST.get("then")
    try:
        result, stay = stay_unlock(member=member_of(request), stay_id=stay_id)
    except DomainError as exc:
        template = "web/checkout.html" if then == "checkout" else "web/stay.html"
        return _refused_by_service(request, stay_id, exc, template)
    if result == "unlocked":
        messages.success(request, _("Unlocked. You can open the door now."))
    else:
        messages.success(request, _("Unlock sent. The door should open in a moment."))
    if then == "checkout":
        return redirect(reverse("web:checkout", args=[stay.pk]) + "?unlocked=1")
    return redirect("web:stay", stay_id=stay.pk)


@login_required
@require_POST
def extend(request: HttpRequest, stay_id: int) -> HttpResponse:
    raw = request.POST.get("minutes", "")
    try:
        minutes = presenters.minutes_posted(raw)
        stay = stay_extend(member=member_of(request), stay_id=stay_id, minutes=minutes)
    except DomainError as exc:
        return _refused_by_service(request, stay_id, exc, "web/stay.html")
    wallet = presenters.wallet_of(member_of(request))
    used = rules.tickets_for(minutes, stay.office.unit_minutes)
    done = _("Extended by %(len)s. New checkout deadline: %(at)s") % {
        "len": presenters.minutes_label(minutes),
        "at": clock_label(stay),
    }
    if wallet.postpaid:
        cost = _("%(used)s used (corporate plan: postpaid).") % {"used": tickets_label(used)}
    else:
        cost = _("%(used)s used, %(left)s left.") % {
            "used": tickets_label(used),
            "left": tickets_label(wallet.balance),
        }
    messages.success(request, f"{done} {cost}")
    return redirect("web:stay", stay_id=stay.pk)


def clock_label(stay: Stay) -> str:
    """The deadline as the office's wall clock shows it."""
    return timezone.localtime(stay.deadline, ZoneInfo(stay.office.timezone)).strftime("%H:%M")


@login_required
def checkout(request: HttpRequest, stay_id: int) -> HttpResponse:
    """The guide's sequence: Checkout → Unlock → confirm → Checkout → done."""
    try:
        stay = _own(request, stay_id)
    except DomainError as exc:
        return render(request, "web/error.html", {"error": exc}, status=exc.status)
    unlocked = stay_door_opened_recently(stay)
    if request.method != "POST":
        context = _stay_context(request, stay, unlocked=unlocked)
        return render(request, "web/checkout.html", context)
    try:
        if not (unlocked or request.POST.get("outside") == "1"):
            raise DomainError("unlock_first")  # checking out first would lock the member in
        stay, _command = stay_checkout(member=member_of(request), stay_id=stay.pk, unlock=False)
    except DomainError as exc:
        return _refused(request, stay, exc, "web/checkout.html")
    stay.space.refresh_from_db(fields=["in_use"])
    context = {
        "stay": stay,
        "data": stay_out(stay),
        "avail": presenters.availability(stay.space.remaining),
        "wallet": presenters.wallet_of(member_of(request)),
    }
    return render(request, "web/checkout_done.html", context)


@login_required
@require_POST
def recover(request: HttpRequest, stay_id: int) -> HttpResponse:
    """One-tap recovery: the door never opened, so cancel, refund and see nearby offices."""
    try:
        outcome = stay_recover_failed_entry(member=member_of(request), stay_id=stay_id)
    except DomainError as exc:
        return _refused_by_service(request, stay_id, exc, "web/stay.html")
    context = {
        "stay": outcome.stay,
        "refund": outcome.refund,
        "nearby": presenters.nearby_cards(outcome.nearby),
        "wallet": presenters.wallet_of(member_of(request)),
    }
    return render(request, "web/recovered.html", context)


@login_required
@require_POST
def backup_pin(request: HttpRequest, stay_id: int) -> HttpResponse:
    """Show the stay's backup PIN (audited): the app could not open the door."""
    try:
        lock_credential_backup_pin(member=member_of(request), stay_id=stay_id, to=SCREEN)
    except DomainError as exc:
        return _refused_by_service(request, stay_id, exc, "web/stay.html")
    stay = _own(request, stay_id)
    return render(request, "web/stay.html", _stay_context(request, stay, show_pin=True))
