"""The console's door: sign-in and role check on every page, export and action, then the apps'
own access doors (accounts.access, offices.access, stays.selectors, support.selectors), whose
`not_found` becomes the 404 page here.

Roles: the secretariat sees everything; operator staff see only their operator's offices,
spaces, stays and trouble reports; a corporate admin sees only their company. A signed-in
person without a role gets 403; an object outside one's tenancy is answered 404, so nothing
leaks that it exists.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from officepass.accounts.access import (
    COMPANY,
    OPERATOR,
    SECRETARIAT,
    access_company,
    access_member,
    request_user,
    roles_of,
)
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.offices.access import access_office, access_space, offices_visible
from officepass.stays.selectors import access_stay
from officepass.support.selectors import access_trouble, troubles_visible

__all__ = [
    "COMPANY",
    "OFFICE_ROLES",
    "OPERATOR",
    "SECRETARIAT",
    "access_company",
    "access_member",
    "access_office",
    "access_space",
    "access_stay",
    "access_trouble",
    "actor",
    "console_view",
    "offices_visible",
    "roles_of",
    "troubles_visible",
]

OFFICE_ROLES = (SECRETARIAT, OPERATOR)
# The console's name for the request's user (one helper: accounts.access.request_user).
actor = request_user


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
            try:
                # Every console page shows times on the network's calendar (issue 15 item 7).
                with timezone.override(clock.network_zone()):
                    return view(request, *args, **kwargs)
            except DomainError as exc:
                if exc.code == "not_found":  # a door refused: outside one's tenancy
                    raise Http404 from None
                raise

        wrapper.console_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorate
