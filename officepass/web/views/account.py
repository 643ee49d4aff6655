"""Sign in, sign out and the language switch (remembered on the member and in a cookie)."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from officepass.accounts.models import User
from officepass.accounts.services import (
    member_email_address_sync,
    member_language_set,
    user_authenticate,
    user_signed_in,
    user_signed_out,
)
from officepass.core.errors import DomainError
from officepass.web.middleware import SUPPORTED

YEAR = 365 * 24 * 3600


def safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok and target.startswith("/") else default


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=YEAR, samesite="Lax", httponly=False
    )
    return response


def signin_redirect(request: HttpRequest) -> HttpResponse:
    """allauth's login URL: our sign-in page (lockout and throttling), `next` kept."""
    query = request.GET.urlencode()
    return HttpResponseRedirect(reverse("web:signin") + (f"?{query}" if query else ""))


def signin(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    error = None
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "")
        try:
            user = user_authenticate(
                email=email,
                password=request.POST.get("password", ""),
                ip=request.META.get("REMOTE_ADDR"),
            )
        except DomainError as exc:
            error = exc
        else:
            login(request, user)
            user_signed_in(user=user)
            # A language chosen on the sign-in page (kept in the cookie) is the member's choice.
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            if chosen in SUPPORTED:
                member_language_set(member=user, language=chosen)
            translation.activate(user.language)
            return remember_language(HttpResponseRedirect(next_url), user.language)
    context = {"error": error, "email": email, "next": next_url}
    response = render(request, "web/signin.html", context, status=error.status if error else 200)
    if error is not None and (wait := error.extra.get("retry_after_seconds")):
        response["Retry-After"] = str(wait)
    return response


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        user_signed_out(user=request.user)
    logout(request)
    return redirect("web:signin")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("language", "")
    if chosen not in SUPPORTED:
        chosen = settings.LANGUAGE_CODE
    user = request.user
    if isinstance(user, User):
        member_language_set(member=user, language=chosen)
    return remember_language(HttpResponseRedirect(safe_next(request)), chosen)


def email_change(request: HttpRequest) -> HttpResponse:
    """allauth's e-mail page, after making sure the member's proved address is on record."""
    from allauth.account.views import email as allauth_email

    if isinstance(request.user, User):
        member_email_address_sync(user=request.user)
    return allauth_email(request)
