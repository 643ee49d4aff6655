"""Check in: the in-app scanner and the door code's URL `/c/<code>` (rule 2).

The phone's own camera opens `/c/<code>`; it goes through sign-in and lands on the check-in
screen for that space, where every duration shows its tickets and the balance after.
"""

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.offices.models import Space
from officepass.offices.selectors import space_for_code
from officepass.stays import rules
from officepass.stays.selectors import stay_current
from officepass.stays.services import stay_check_in
from officepass.web import presenters
from officepass.web.views.pages import member_of

CODE_IN_TEXT = re.compile(r"(?:^|/c/)([A-Za-z0-9_\-:.]{4,200})/?$")


@login_required
def scanner(request: HttpRequest) -> HttpResponse:
    """The camera scanner; a typed or pasted code (or door URL) works without a camera."""
    typed = request.GET.get("code", "").strip()
    if typed:
        match = CODE_IN_TEXT.search(typed)
        if match:
            return redirect("checkin-landing", code=match.group(1))
        return render(request, "web/scanner.html", {"bad_code": True}, status=400)
    return render(request, "web/scanner.html", {})


def _checkin_context(request: HttpRequest, space: Space, code: str) -> dict[str, Any]:
    member = member_of(request)
    office = space.office
    wallet = presenters.wallet_of(member)
    context: dict[str, Any] = {
        "space": space,
        "office": office,
        "code": code,
        "wallet": wallet,
        "avail": presenters.availability(space.remaining),
        "open": presenters.open_info(office),
        "unit_label": presenters.minutes_label(office.unit_minutes),
        "refusal": None,
        "options": [],
    }
    try:
        context["current"] = stay_current(member=member)
    except DomainError:
        context["current"] = None
    now = clock.now()
    try:
        minutes = rules.duration_options(office, now)
    except DomainError as exc:
        context["refusal"] = presenters.refusal(exc.code, office=office, seat_type=space.seat_type)
        return context
    options = presenters.priced(minutes, office.unit_minutes, wallet, start=now, office=office)
    context["options"] = options
    if not options:  # less than one step before closing: say so, never a blank page
        context["refusal"] = presenters.refusal(
            "office_closing_soon", office=office, seat_type=space.seat_type
        )
    elif space.remaining == 0:
        context["refusal"] = presenters.refusal(
            "space_full", office=office, seat_type=space.seat_type
        )
    elif options and not any(o["affordable"] for o in options):
        context["refusal"] = presenters.refusal(
            "insufficient_tickets", office=office, seat_type=space.seat_type
        )
    return context


def checkin_landing(request: HttpRequest, code: str) -> HttpResponse:
    # A stale or forged poster is explained at once, before asking anyone to sign in; a valid
    # code goes through sign-in and comes back here.
    try:
        space = space_for_code(code)
    except DomainError as exc:
        return render(request, "web/checkin_invalid.html", {"error": exc}, status=exc.status)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = member_of(request)
    if user.plan_id is None and not user.is_staff and user.operator_id is None:
        # A new member (signed up from this door's poster): choose and pay a plan, then back.
        return redirect(f"{reverse('web:plans')}?{urlencode({'next': request.get_full_path()})}")
    if request.method == "POST":
        return _check_in(request, space, code)
    return render(request, "web/checkin.html", _checkin_context(request, space, code))


def _check_in(request: HttpRequest, space: Space, code: str) -> HttpResponse:
    raw = request.POST.get("minutes", "")
    try:
        minutes = presenters.minutes_posted(raw)
        stay = stay_check_in(member=member_of(request), code=code, minutes=minutes)
    except DomainError as exc:
        space.refresh_from_db(fields=["in_use"])
        context = _checkin_context(request, space, code)
        context["refusal"] = presenters.refusal(
            exc.code, office=space.office, seat_type=space.seat_type, **exc.extra
        )
        context["refusal"]["message"] = str(exc.message)
        return render(request, "web/checkin.html", context, status=exc.status)
    return redirect(reverse("web:stay", args=[stay.pk]) + "?checked_in=1")
