"""Onboarding from the console (issue 15 item 1): the secretariat adds operators and invites
their staff by e-mail; the invited person sets a password from the one-time link; staff
create offices (weekday hours editor, no JSON) and their spaces."""

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from officepass.accounts.models import User
from officepass.accounts.selectors import invited_staff, staff_of_operator
from officepass.accounts.services import staff_invite, staff_invite_accept
from officepass.console import access, forms
from officepass.console.access import OFFICE_ROLES, SECRETARIAT, actor, console_view
from officepass.core.errors import DomainError
from officepass.offices import services as office_services
from officepass.offices.access import operators_run_by
from officepass.offices.models import Office, Space


class OperatorForm(django_forms.Form):
    name = django_forms.CharField(max_length=200, label=gettext_lazy("Operator name"))


class InviteForm(django_forms.Form):
    email = django_forms.EmailField(label=gettext_lazy("Staff e-mail address"))


def _accept_url(request: HttpRequest) -> Any:
    def build(user: User) -> str:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        path = reverse("console:invite-accept", kwargs={"uidb64": uid, "token": token})
        return request.build_absolute_uri(path)

    return build


@console_view(SECRETARIAT)
def operator_create(request: HttpRequest) -> HttpResponse:
    form = OperatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        operator = office_services.operator_create(
            actor=actor(request), name=form.cleaned_data["name"]
        )
        messages.success(request, _("Operator added. Invite its staff."))
        return redirect("console:staff-invite", operator_id=operator.pk)
    return render(request, "console/operator_create.html", {"form": form})


@console_view(SECRETARIAT)
def staff_invite_view(request: HttpRequest, operator_id: int) -> HttpResponse:
    operator = operators_run_by(actor(request)).filter(pk=operator_id).first()
    if operator is None:
        raise Http404
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_invite(
                actor=actor(request),
                email=form.cleaned_data["email"],
                operator_id=operator.pk,
                accept_url=_accept_url(request),
            )
        except DomainError:
            form.add_error("email", _("This address already has another account."))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("console:staff-invite", operator_id=operator.pk)
    staff = staff_of_operator(operator.pk)
    return render(
        request, "console/staff_invite.html", {"operator": operator, "form": form, "staff": staff}
    )


def invite_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Public: the one-time link from the invitation e-mail (like a password reset link)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        pk = 0
    user = invited_staff(pk)
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "console/invite_accept.html", {"invalid": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff_invite_accept(user=user, password=form.cleaned_data["new_password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome. Your password is set."))
        return redirect("console:home")
    return render(request, "console/invite_accept.html", {"form": form, "email": user.email})


@console_view(*OFFICE_ROLES)
def office_create(request: HttpRequest) -> HttpResponse:
    runs = operators_run_by(actor(request))
    form = forms.OfficeForm(request.POST or None, instance=Office(timezone="Asia/Tokyo"))
    wanted = request.POST.get("operator", "") if request.method == "POST" else ""
    operator = runs.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if operator is None and runs.count() == 1:
        operator = runs.first()
    if request.method == "POST" and form.is_valid():
        if operator is None:
            messages.error(request, _("Choose the operator."))
        else:
            office = form.save(commit=False)
            office.operator = operator
            office_services.office_create(actor=actor(request), office=office)
            messages.success(request, _("Office created. Add its spaces."))
            return redirect("console:space-create", office_id=office.pk)
    return render(request, "console/office_create.html", {"form": form, "operators": runs})


@console_view(*OFFICE_ROLES)
def space_create(request: HttpRequest, office_id: int) -> HttpResponse:
    office = access.access_office(user=actor(request), office_id=office_id)
    form = forms.SpaceForm(
        request.POST or None, request.FILES or None, instance=Space(office=office)
    )
    if request.method == "POST" and form.is_valid():
        space = office_services.space_create(actor=actor(request), space=form.save(commit=False))
        messages.success(request, _("Space %(name)s created.") % {"name": space.name})
        if request.POST.get("another"):
            return redirect("console:space-create", office_id=office.pk)
        return redirect("console:office", office_id=office.pk)
    return render(request, "console/space_create.html", {"form": form, "office": office})
