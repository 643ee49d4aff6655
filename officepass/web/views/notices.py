"""The account page (push notifications and their kinds, history export), favourites and
"tell me when a seat frees"."""

import json
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officepass.core import clock
from officepass.core.csvexport import csv_response
from officepass.core.errors import DomainError
from officepass.notifications.selectors import space_for_alert
from officepass.notifications.services import (
    favourite_set,
    push_preferences_set,
    push_subscribe,
    push_unsubscribe,
    seat_alert_create,
)
from officepass.offices.selectors import office_get
from officepass.web.views.pages import member_of

MAX_BODY = 4096


def _local(at: datetime) -> str:
    """A time in the network's zone, as a spreadsheet reads it (2026-11-24 10:00:00)."""
    return at.astimezone(clock.network_zone()).strftime("%Y-%m-%d %H:%M:%S")


def _error(exc: DomainError) -> JsonResponse:
    return JsonResponse({"code": exc.code, "message": str(exc.message)}, status=exc.status)


@login_required
@require_POST
def push_subscription(request: HttpRequest) -> JsonResponse:
    """The page's PushSubscription.toJSON(), or {"endpoint": …, "unsubscribe": true}."""
    member = member_of(request)
    try:
        if len(request.body) > MAX_BODY:
            raise DomainError("request_too_large")
        try:
            data: Any = json.loads(request.body or b"{}")
        except ValueError:
            raise DomainError("invalid_input", field="body") from None
        if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
            raise DomainError("invalid_input", field="endpoint")
        if data.get("unsubscribe"):
            push_unsubscribe(member=member, endpoint=data["endpoint"])
            return JsonResponse({"subscribed": False})
        keys: dict[str, Any] = data["keys"] if isinstance(data.get("keys"), dict) else {}
        push_subscribe(
            member=member,
            endpoint=data["endpoint"],
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
        )
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({"subscribed": True})


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    try:
        push_preferences_set(member=member, on=set(request.POST.getlist("push")))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Notification settings saved."))
    return redirect("web:account")


@login_required
@require_POST
def favourite(request: HttpRequest, office_id: int) -> HttpResponse:
    member = member_of(request)
    try:
        office = office_get(office_id)
    except DomainError as exc:
        return render(request, "web/error.html", {"error": exc}, status=exc.status)
    favourite_set(member=member, office=office, starred=request.POST.get("star") == "1")
    return redirect("web:office", office_id=office.pk)


@login_required
@require_POST
def seat_alert(request: HttpRequest, space_id: int) -> HttpResponse:
    member = member_of(request)
    space = space_for_alert(space_id)
    if space is None:
        error = DomainError("not_found")
        return render(request, "web/error.html", {"error": error}, status=error.status)
    try:
        hours = int(request.POST.get("hours", "2"))
    except ValueError:
        hours = 0
    try:
        seat_alert_create(member=member, space=space, hours=hours)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("We will tell you once when a seat frees at %(space)s (for %(hours)s h).")
            % {"space": space.name, "hours": hours},
        )
    return redirect("web:office", office_id=space.office_id)


@login_required
def export_stays(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    stays = member.stays.select_related("office", "space").order_by("started_at", "pk")
    rows = (
        [
            s.pk,
            s.office.name,
            s.space.name,
            _local(s.started_at),
            _local(s.deadline),
            _local(s.ended_at) if s.ended_at else "",
            s.get_status_display(),
            s.minutes,
            s.tickets_consumed,
            s.tickets_refunded,
        ]
        for s in stays.iterator()
    )
    header = [
        _("Stay"),
        _("Office"),
        _("Space"),
        _("Started"),
        _("Deadline"),
        _("Ended"),
        _("Status"),
        _("Minutes"),
        _("Tickets used"),
        _("Tickets refunded"),
    ]
    name = f"officepass-stays-{clock.now():%Y%m%d}.csv"
    return csv_response(name, header, rows)


@login_required
def export_tickets(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    entries = member.ledger_entries.order_by("effective_at", "pk")
    rows = (
        [
            e.pk,
            _local(e.effective_at),
            e.get_kind_display(),
            e.tickets,
            e.balance_after,
            e.stay_id or "",
            e.reason,
        ]
        for e in entries.iterator()
    )
    header = [_("Entry"), _("When"), _("Kind"), _("Tickets"), _("Balance"), _("Stay"), _("Reason")]
    name = f"officepass-tickets-{clock.now():%Y%m%d}.csv"
    return csv_response(name, header, rows)
