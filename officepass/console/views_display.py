"""Door displays: the staff make and revoke each tablet's link; the tablet shows codes only."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from officepass.console import access
from officepass.console.access import SECRETARIAT, actor, console_view
from officepass.console.rotating import display_context, display_svg
from officepass.core.errors import DomainError
from officepass.offices.displays import door_display_create, door_display_revoke, space_for_display


@console_view(SECRETARIAT, access.OPERATOR)
def display_create(request: HttpRequest, space_id: int) -> HttpResponse:
    space = access.access_space(user=actor(request), space_id=space_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    label = request.POST.get("label", "").strip() or _("Door display")
    _display, token = door_display_create(actor=actor(request), space=space, label=label)
    link = settings.SITE_URL + reverse("door-display", args=[token])
    messages.success(
        request, _("Open this link on the door's tablet (shown once): %(link)s") % {"link": link}
    )
    return redirect("console:space", space_id=space.pk)


@console_view(SECRETARIAT, access.OPERATOR)
def display_revoke(request: HttpRequest, space_id: int) -> HttpResponse:
    space = access.access_space(user=actor(request), space_id=space_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = request.POST.get("display_id", "")
    try:
        if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
            raise DomainError("not_found")
        door_display_revoke(actor=actor(request), space=space, display_id=int(raw))
    except DomainError:
        messages.error(request, _("That display link does not exist or is already revoked."))
    else:
        messages.success(request, _("The display link is revoked."))
    return redirect("console:space", space_id=space.pk)


def _revoked() -> HttpResponse:
    return HttpResponse(_("This display link is revoked or unknown."), status=404)


@require_GET
def door_display(request: HttpRequest, token: str) -> HttpResponse:
    """The tablet's page: the rotating code, nothing else (no staff session needed)."""
    try:
        space = space_for_display(token)
    except DomainError:
        return _revoked()
    svg_src = reverse("door-display-svg", args=[token])
    return render(request, "console/display.html", display_context(space, svg_src=svg_src))


@require_GET
def door_display_svg(request: HttpRequest, token: str) -> HttpResponse:
    try:
        space = space_for_display(token)
    except DomainError:
        return _revoked()
    response = HttpResponse(display_svg(space), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response
