"""Who may see what: the tenant kinds, the request's user, and the doors to people.

Four tenant kinds: a member (their own stays, through stays.services.access_own_stay), operator
staff (`operator` set: their operator's offices, spaces, stays, trouble reports), the
secretariat (`is_staff`: everything) and a company admin (`is_company_admin` with `company`:
their company and its employees). Every door fetches the object and checks the tenancy in one
call; a refusal is a DomainError: `not_found` for an object outside one's tenancy (nothing
leaks that it exists), `permission_denied` for a role that may not act at all. The edges map
those codes to 404 / 403 (api/errors.py, console.access.console_view).
"""

from typing import Any

from django.http import HttpRequest

from officepass.accounts.models import Company, User
from officepass.core.errors import DomainError

SECRETARIAT = "secretariat"
OPERATOR = "operator"
COMPANY = "company"


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request that an auth check already let through (the API's
    `request.auth`, else the session's `request.user`)."""
    user = getattr(request, "auth", None) or request.user
    assert isinstance(user, User)
    return user


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


def can_run_office(user: User, operator_id: int) -> bool:
    """The secretariat, or staff of the office's operator."""
    return bool(user.is_active and (user.is_staff or user.operator_id == operator_id))


def access_company(*, user: User, company_id: int) -> Company:
    company = Company.objects.select_related("plan").filter(pk=company_id).first()
    allowed = user.is_staff or (user.is_company_admin and user.company_id == company_id)
    if company is None or not (user.is_active and allowed):
        raise DomainError("not_found")
    return company


def access_member(*, user: User, member_id: int) -> User:
    """Members are the secretariat's; a corporate admin reaches only their own employees."""
    member = User.objects.select_related("plan", "company").filter(pk=member_id).first()
    if member is None:
        raise DomainError("not_found")
    if user.is_staff:
        return member
    if user.is_company_admin and user.company_id and member.company_id == user.company_id:
        return member
    raise DomainError("not_found")
