"""Door trouble (rule 13): on entry, nearby offices and a report; on exit, the help desk."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from officepass.core.errors import DomainError
from officepass.offices.selectors import nearby_free, office_or_none
from officepass.stays.selectors import stay_of_member
from officepass.support.selectors import trouble_entries, trouble_reports_of_member
from officepass.support.services import trouble_report_create
from officepass.web import presenters
from officepass.web.views.pages import member_of

KINDS = ("entry_unlock", "exit_unlock", "other")


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 12 else None


@login_required
def trouble(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    data = request.POST if request.method == "POST" else request.GET
    kind = str(data.get("kind")) if data.get("kind") in KINDS else "entry_unlock"
    stay_id, office_id = _int(data.get("stay")), _int(data.get("office"))
    stay = stay_of_member(member, stay_id)
    office = stay.office if stay else office_or_none(office_id)
    context: dict[str, Any] = {"kind": kind, "stay": stay, "office": office, "error": None}
    if office is not None and kind == "entry_unlock":
        seat_type = stay.space.seat_type if stay else "open"
        context["nearby"] = presenters.nearby_cards(nearby_free(office=office, seat_type=seat_type))
    if request.method == "POST":
        try:
            report = trouble_report_create(
                member=member,
                office_id=office.pk if office else 0,
                stay_id=stay.pk if stay else None,
                kind=kind,
                message=request.POST.get("message", "")[:2000],
            )
        except DomainError as exc:
            context["error"] = exc
            return render(request, "web/trouble.html", context, status=exc.status)
        context["report"] = report
    return render(request, "web/trouble.html", context)


@login_required
def trouble_mine(request: HttpRequest) -> HttpResponse:
    """The member's own reports, each with the replies staff sent (never internal notes)."""
    reports = [
        (report, trouble_entries(report, member_view=True))
        for report in trouble_reports_of_member(member_of(request))[:50]
    ]
    return render(request, "web/trouble_mine.html", {"reports": reports})
