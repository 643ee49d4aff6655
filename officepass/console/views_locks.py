"""Lock-cloud accounts: an operator connects its Akerun organization by OAuth (authorization
code). The state parameter is signed and names the staff member who started it."""

from typing import Any

from django.contrib import messages
from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from officepass.console.access import OFFICE_ROLES, actor, console_view
from officepass.locks.drivers.akerun import tokens
from officepass.locks.drivers.base import LockError
from officepass.locks.models import LockCloudAccount
from officepass.locks.selectors import lock_cloud_accounts_visible

STATE_SALT = "officepass.console.akerun"
STATE_MAX_AGE = 600
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


def _accounts(request: HttpRequest) -> QuerySet[LockCloudAccount]:
    return lock_cloud_accounts_visible(actor(request))


def _page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"accounts": _accounts(request), "error": error}
    return render(request, "console/lock_accounts.html", context, status=status)


@console_view(*OFFICE_ROLES)
@require_GET
def lock_accounts(request: HttpRequest) -> HttpResponse:
    return _page(request)


@console_view(*OFFICE_ROLES)
@require_POST
def akerun_connect(request: HttpRequest) -> HttpResponse:
    """Send the operator to Akerun to approve access for the account `name`."""
    name = request.POST.get("name", "").strip().lower()
    if not name or len(name) > 64 or not set(name) <= NAME_CHARS:
        return _page(request, _("Name the account with lower-case letters, digits, - or _."))
    state = signing.dumps({"name": name, "user": actor(request).pk}, salt=STATE_SALT)
    callback = request.build_absolute_uri(reverse("console:akerun-callback"))
    try:
        return redirect(tokens.authorize_url(redirect_uri=callback, state=state))
    except LockError:
        return _page(request, _("The Akerun app's id and secret are not configured."))


@console_view(*OFFICE_ROLES)
@require_GET
def akerun_callback(request: HttpRequest) -> HttpResponse:
    """Akerun sends the operator back with a code: exchange it, keep the tokens encrypted."""
    user = actor(request)
    try:
        state = signing.loads(request.GET.get("state", ""), salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:
        return _page(request, _("The Akerun connection expired or was not started here."))
    if state.get("user") != user.pk or not request.GET.get("code"):
        return _page(request, _("The Akerun connection expired or was not started here."))
    callback = request.build_absolute_uri(reverse("console:akerun-callback"))
    try:
        tokens.account_connect(
            actor=user,
            name=str(state["name"]),
            code=request.GET["code"],
            redirect_uri=callback,
            operator_id=user.operator_id,
        )
    except LockError as exc:
        return _page(request, _("Akerun refused the connection (%(code)s).") % {"code": exc.code})
    messages.success(request, _("The Akerun account is connected."))
    return redirect("console:lock-accounts")
