"""Console pages for offices: set-up, door posters and codes, live occupancy."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from officepass.console import access, forms
from officepass.console.access import OFFICE_ROLES, SECRETARIAT, actor, console_view
from officepass.console.poster import poster_pdf, space_checkin_url
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.core.selectors import audit_entries_for
from officepass.locks.checks import lock_health_check
from officepass.locks.registry import driver_name
from officepass.locks.selectors import lock_credentials_needing_attention, lock_reliability
from officepass.locks.services import lock_configure
from officepass.offices import services as office_services
from officepass.offices.displays import displays_of
from officepass.stays.dashboard import company_today, dashboard, offices_with_health
from officepass.stays.selectors import stay_lock_commands, stays_active_in
from officepass.stays.services import stay_force_checkout
from officepass.tickets.services import ticket_refund_for_stay


def _model_fields(form: Any) -> list[str]:
    """The changed fields that are the model's (not the retire confirmation's)."""
    return [name for name in form.changed_data if name in form._meta.fields]


@console_view(*OFFICE_ROLES, access.COMPANY)
def home(request: HttpRequest) -> HttpResponse:
    """The live dashboard of the person's tenancy: the secretariat's whole network, an
    operator's offices, a company's employees."""
    user = actor(request)
    roles = access.roles_of(user)
    context: dict[str, Any] = {"roles": roles}
    if roles & set(OFFICE_ROLES):
        context["board"] = dashboard(access.offices_visible(user))
    if access.COMPANY in roles and user.company_id:
        context["company"] = company_today(user.company_id)
    return render(request, "console/home.html", context)


@console_view(*OFFICE_ROLES)
def office_list(request: HttpRequest) -> HttpResponse:
    offices = access.offices_visible(actor(request)).order_by("operator__name", "name", "id")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        offices = offices.filter(name__icontains=query)
    page = Paginator(offices_with_health(offices), 100).get_page(request.GET.get("page"))
    return render(request, "console/office_list.html", {"page": page, "q": query})


@console_view(*OFFICE_ROLES)
def office_edit(request: HttpRequest, office_id: int) -> HttpResponse:
    office = access.access_office(user=actor(request), office_id=office_id)
    form = forms.OfficeForm(request.POST or None, instance=office)
    if request.method == "POST" and form.is_valid():
        office_services.office_update(
            actor=actor(request),
            office=form.save(commit=False),
            changed=_model_fields(form),
            reason=form.cleaned_data.get("retire_reason") or "",
        )
        messages.success(request, _("Saved."))
        return redirect("console:office", office_id=office.pk)
    spaces = office.spaces.order_by("name")
    return render(
        request, "console/office_edit.html", {"office": office, "form": form, "spaces": spaces}
    )


@console_view(*OFFICE_ROLES)
def space_edit(request: HttpRequest, space_id: int) -> HttpResponse:
    space = access.access_space(user=actor(request), space_id=space_id)
    form = forms.SpaceForm(request.POST or None, request.FILES or None, instance=space)
    if request.method == "POST" and form.is_valid():
        try:
            office_services.space_update(
                actor=actor(request),
                space=form.save(commit=False),
                changed=_model_fields(form),
                reason=form.cleaned_data.get("retire_reason") or "",
            )
        except DomainError:
            form.add_error("quota", _("The quota cannot be below the seats in use now."))
        else:
            messages.success(request, _("Saved."))
            return redirect("console:space", space_id=space.pk)
    chosen = request.GET.get("driver") or driver_name(space)
    lock_form = forms.LockForm(initial={"driver": chosen, "settings": space.lock_settings})
    current = dict(space.lock_settings or {}) if chosen == driver_name(space) else {}
    settings_form = forms.LockSettingsForm(chosen, current)
    context = {
        "space": space,
        "form": form,
        "lock_form": lock_form,
        "settings_form": settings_form,
        "reissue_form": forms.ReissueForm(),
        "url": space_checkin_url(space),
        "credentials": lock_credentials_needing_attention(space_id=space.pk),
        "reliability": [
            lock_reliability(space_id=space.pk, days=days, now=clock.now()) for days in (7, 30)
        ],
        "displays": displays_of(space),
    }
    return render(request, "console/space_edit.html", context)


@console_view(*OFFICE_ROLES)
def space_lock_check(request: HttpRequest, space_id: int) -> HttpResponse:
    """Ask the space's lock for its state now: wiring is right when it answers online."""
    space = access.access_space(user=actor(request), space_id=space_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    status = lock_health_check(actor=actor(request), space=space)
    fields = {"online": status.online, "state": status.state, **status.detail}
    answer = ", ".join(f"{key}={value}" for key, value in fields.items())
    level = messages.success if status.online else messages.error
    level(request, _("The lock answered: %(answer)s") % {"answer": answer})
    return redirect("console:space", space_id=space.pk)


@console_view(*OFFICE_ROLES)
def space_lock(request: HttpRequest, space_id: int) -> HttpResponse:
    """Assign the space's lock through the locks service (validated, secrets refused, audited)."""
    space = access.access_space(user=actor(request), space_id=space_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.LockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form."))
        return redirect("console:space", space_id=space.pk)
    driver, lock_settings = form.cleaned_data["driver"], form.cleaned_data["settings"]
    if request.POST.get("fields"):  # the driver's own form, not JSON
        current = dict(space.lock_settings or {}) if driver == driver_name(space) else {}
        fields = forms.LockSettingsForm(driver, current, request.POST)
        if not fields.is_valid():
            errors = "; ".join(
                f"{fields.fields[name].label}: {' '.join(str(x) for x in e)}"
                for name, e in fields.errors.items()
            )
            messages.error(request, _("Check the form: %(errors)s") % {"errors": errors})
            return redirect(f"{reverse('console:space', args=[space.pk])}?driver={driver}")
        lock_settings = fields.lock_settings()
    try:
        lock_configure(
            actor=actor(request),
            space=space,
            driver=driver,
            lock_settings=lock_settings,
        )
        messages.success(request, _("Saved."))
    except DomainError as exc:
        messages.error(request, _("Not saved: %(reason)s") % {"reason": exc.extra})
    return redirect("console:space", space_id=space.pk)


@console_view(*OFFICE_ROLES)
def space_poster(request: HttpRequest, space_id: int) -> HttpResponse:
    space = access.access_space(user=actor(request), space_id=space_id)
    response = HttpResponse(poster_pdf(space), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="poster-space-{space.pk}.pdf"'
    return response


@console_view(*OFFICE_ROLES)
def space_reissue(request: HttpRequest, space_id: int) -> HttpResponse:
    space = access.access_space(user=actor(request), space_id=space_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.ReissueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason and tick the box: nothing was changed."))
        return redirect("console:space", space_id=space.pk)
    office_services.space_code_reissue(
        actor=actor(request), space=space, reason=form.cleaned_data["reason"]
    )
    messages.success(
        request, _("A new code was issued. Print the new poster: the old one is void.")
    )
    return redirect("console:space", space_id=space.pk)


@console_view(*OFFICE_ROLES)
def occupancy(request: HttpRequest, office_id: int) -> HttpResponse:
    office = access.access_office(user=actor(request), office_id=office_id)
    stays = stays_active_in(office)
    context = {
        "office": office,
        "spaces": office.spaces.order_by("name"),
        "stays": stays,
        "now": clock.now(),
        "refund_form": forms.RefundForm(),
        "force_form": forms.ForceCheckoutForm(),
    }
    return render(request, "console/occupancy.html", context)


def _stay_action(request: HttpRequest, stay_id: int, form_class: type) -> tuple[Any, Any, Any]:
    stay = access.access_stay(user=actor(request), stay_id=stay_id)
    if request.method != "POST":
        return stay, None, HttpResponseNotAllowed(["POST"])
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason and tick the box: nothing was changed."))
        return stay, None, redirect("console:stay", stay_id=stay.pk)
    return stay, form, None


@console_view(*OFFICE_ROLES)
def stay_force(request: HttpRequest, stay_id: int) -> HttpResponse:
    stay, form, response = _stay_action(request, stay_id, forms.ForceCheckoutForm)
    if response is not None:
        return response
    try:
        stay_force_checkout(
            actor=actor(request), stay_id=stay.pk, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The stay was checked out."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("console:stay", stay_id=stay.pk)


@console_view(*OFFICE_ROLES)
def stay_refund(request: HttpRequest, stay_id: int) -> HttpResponse:
    stay, form, response = _stay_action(request, stay_id, forms.RefundForm)
    if response is not None:
        return response
    try:
        ticket_refund_for_stay(
            actor=actor(request),
            stay=stay,
            tickets=form.cleaned_data["tickets"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("The tickets were refunded."))
    except DomainError:
        messages.error(request, _("A stay cannot be refunded more tickets than it took."))
    return redirect("console:stay", stay_id=stay.pk)


@console_view(SECRETARIAT, access.OPERATOR)
def space_display(request: HttpRequest, space_id: int) -> HttpResponse:
    from officepass.console.rotating import display_context

    space = access.access_space(user=actor(request), space_id=space_id)
    svg_src = reverse("console:space-display-svg", args=[space.pk])
    return render(request, "console/display.html", display_context(space, svg_src=svg_src))


@console_view(SECRETARIAT, access.OPERATOR)
def space_display_svg(request: HttpRequest, space_id: int) -> HttpResponse:
    from officepass.console.rotating import display_svg

    space = access.access_space(user=actor(request), space_id=space_id)
    response = HttpResponse(display_svg(space), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@console_view(*OFFICE_ROLES)
def stay_detail(request: HttpRequest, stay_id: int) -> HttpResponse:
    """One stay with its ledger entries, lock commands and audit rows (refund, force out)."""
    stay = access.access_stay(user=actor(request), stay_id=stay_id)
    context = {
        "stay": stay,
        "entries": stay.ledger_entries.order_by("effective_at", "id"),
        "commands": stay_lock_commands(stay),
        "audit": audit_entries_for(stay),
        "refund_form": forms.RefundForm(),
        "force_form": forms.ForceCheckoutForm(),
        "running": stay.is_running(clock.now()),
    }
    return render(request, "console/stay.html", context)
