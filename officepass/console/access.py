"""Who may see what in the console: one door for every page, export and action.

Roles: the secretariat (`is_staff`) sees everything; operator staff (`operator` set) see only
their operator's offices, spaces, stays and trouble reports; a corporate admin
(`is_company_admin` with `company`) sees only their company. A signed-in person without a
role gets 403; an object outside one's tenancy is answered 404, so nothing leaks that it exists.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from officepass.accounts.models import Company, User
from officepass.offices.access import can_run_office
from officepass.offices.models import Office, Operator, Space
from officepass.stays.models import Stay
from officepass.support.models import TroubleReport

SECRETARIAT = "secretariat"
OPERATOR = "operator"
COMPANY = "company"
OFFICE_ROLES = (SECRETARIAT, OPERATOR)


def roles_of(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    roles = set()
    if user.is_staff:
        roles.add(SECRETARIAT)
    if user.operator_id:
        roles.add(OPERATOR)
    if user.is_company_admin and user.company_id:
        roles.add(COMPANY)
    return roles


View = Callable[..., HttpResponse]


def console_view(*allowed: str) -> Callable[[View], View]:
    """Sign-in and role check before the view runs; the view then fetches through access_*."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("console:login"))
            if not roles_of(request.user) & set(allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.console_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorate


def offices_visible(user: User) -> QuerySet[Office]:
    offices = Office.objects.select_related("operator")
    if user.is_staff:
        return offices
    if user.operator_id:
        return offices.filter(operator_id=user.operator_id)
    return offices.none()


def operators_visible(user: User) -> QuerySet[Operator]:
    if user.is_staff:
        return Operator.objects.all()
    return Operator.objects.filter(pk=user.operator_id or 0)


def access_office(*, user: User, office_id: int) -> Office:
    office = Office.objects.select_related("operator").filter(pk=office_id).first()
    if office is None or not can_run_office(user, office.operator_id):
        raise Http404
    return office


def access_space(*, user: User, space_id: int) -> Space:
    space = Space.objects.select_related("office", "office__operator").filter(pk=space_id).first()
    if space is None or not can_run_office(user, space.office.operator_id):
        raise Http404
    return space


def access_stay(*, user: User, stay_id: int) -> Stay:
    stay = Stay.objects.select_related("office", "space", "member").filter(pk=stay_id).first()
    if stay is None or not can_run_office(user, stay.office.operator_id):
        raise Http404
    return stay


def access_trouble(*, user: User, report_id: int) -> TroubleReport:
    report = TroubleReport.objects.select_related("office", "stay", "stay__office", "member")
    found = report.filter(pk=report_id).first()
    if found is None or not can_run_office(user, found.office.operator_id):
        raise Http404
    return found


def trouble_stay_visible(*, user: User, report: TroubleReport) -> Stay | None:
    """The report's stay only if it is at one of the user's offices too (defence in depth:
    reports are filed for the stay's own office, but a stay never shows across tenants)."""
    stay = report.stay
    if stay is None or not can_run_office(user, stay.office.operator_id):
        return None
    return stay


def troubles_visible(user: User) -> QuerySet[TroubleReport]:
    reports = TroubleReport.objects.select_related("office", "member", "stay")
    if user.is_staff:
        return reports
    return reports.filter(office__operator_id=user.operator_id or 0)


def access_company(*, user: User, company_id: int) -> Company:
    company = Company.objects.select_related("plan").filter(pk=company_id).first()
    allowed = user.is_staff or (user.is_company_admin and user.company_id == company_id)
    if company is None or not (user.is_active and allowed):
        raise Http404
    return company


def access_member(*, user: User, member_id: int) -> User:
    """Members are the secretariat's; a corporate admin reaches only their own employees."""
    member = User.objects.select_related("plan", "company").filter(pk=member_id).first()
    if member is None:
        raise Http404
    if user.is_staff:
        return member
    if user.is_company_admin and user.company_id and member.company_id == user.company_id:
        return member
    raise Http404


def actor(request: HttpRequest) -> User:
    """The signed-in user of a console request (console_view has checked the sign-in)."""
    user = request.user
    assert isinstance(user, User)
    return user
