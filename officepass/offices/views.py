"""The door code's URL: what the phone camera opens after scanning the poster."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.offices.selectors import space_for_code
from officepass.stays import rules


def checkin_landing(request: HttpRequest, code: str) -> HttpResponse:
    try:
        space = space_for_code(code)
    except DomainError as exc:
        return render(request, "offices/checkin_invalid.html", {"error": exc}, status=404)
    office = space.office
    try:
        options = rules.duration_options(office, clock.now())
    except DomainError:
        options = []
    choices = [(m, rules.tickets_for(m, office.unit_minutes)) for m in options]
    context = {"space": space, "office": office, "code": code, "choices": choices}
    return render(request, "offices/checkin_landing.html", context)
