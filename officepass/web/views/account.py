"""Sign in, sign out and the language switch (remembered on the member and in a cookie)."""

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officepass.accounts.models import User
from officepass.accounts.services import (
    member_email_address_sync,
    member_language_set,
    user_authenticate,
    user_password_set,
    user_signed_in,
    user_signed_out,
)
from officepass.core.errors import DomainError
from officepass.notifications.selectors import push_settings
from officepass.offices.selectors import space_for_code
from officepass.web import presenters
from officepass.web.middleware import SUPPORTED
from officepass.web.views.pages import member_of

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
    context = {
        "error": error,
        "email": email,
        "next": next_url,
        "door": _door_of(next_url),
        "signup_url": _signup_url(),
    }
    response = render(request, "web/signin.html", context, status=error.status if error else 200)
    if error is not None and (wait := error.extra.get("retry_after_seconds")):
        response["Retry-After"] = str(wait)
    return response


DOOR_NEXT = re.compile(r"^/c/([^/?#]+)$")


def _door_of(next_url: str) -> dict[str, Any] | None:
    """A door code scanned while signed out: which office and space this is, shown above the
    sign-in form (nothing when the code is not a valid one)."""
    match = DOOR_NEXT.match(next_url)
    if match is None:
        return None
    try:
        space = space_for_code(match.group(1))
    except DomainError:
        return None
    return {
        "office": space.office,
        "space": space,
        "avail": presenters.availability(space.remaining),
        "open": presenters.open_info(space.office),
    }


def _signup_url() -> str | None:
    """The sign-up page once one is installed (the commerce flow), else None."""
    for name in ("web:signup", "account_signup"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


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


# The account page is a list of sections, each its own template under web/account/: another
# feature adds its section with one line here (and its template), not by editing the others.
ACCOUNT_SECTIONS = [
    "web/account/_plan.html",
    "web/account/_language.html",
    "web/account/_push.html",
    "web/account/_export.html",
    "web/account/_password.html",
    "web/account/_signout.html",
]


@login_required
def account(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    wallet = presenters.wallet_of(member)
    context = {
        "member": member,
        "plan": member.plan,
        "company": member.company,
        "wallet": wallet,
        "cycle_ends_at": member.cycle_ends_at,
        "sections": ACCOUNT_SECTIONS,
        "push": push_settings(member),
        "languages": User.Language.choices,
    }
    return render(request, "web/account.html", context)


class PasswordChange(auth_views.PasswordChangeView):
    """Django's form and validators; the write and its audit row are accounts' service."""

    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:account")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = form.user
        user_password_set(user=user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)  # this phone stays signed in
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(str(self.success_url))


class MemberPasswordResetForm(PasswordResetForm):
    """Django's reset form; the e-mail is written in the member's own language."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        context = kwargs.get("context") or args[2]
        with translation.override(getattr(context["user"], "language", None)):
            super().send_mail(*args, **kwargs)


class PasswordReset(auth_views.PasswordResetView):
    """Sign-in page → e-mail with a one-time link (Django's tokens). The same answer whether
    or not the address is known, so the form does not tell who is a member."""

    form_class = MemberPasswordResetForm
    template_name = "web/password_reset.html"
    email_template_name = "web/email/password_reset.txt"
    subject_template_name = "web/email/password_reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_done")


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        user_password_set(user=form.user, password=form.cleaned_data["new_password1"], reset=True)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(str(self.success_url))


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"


def email_change(request: HttpRequest) -> HttpResponse:
    """allauth's e-mail page, after making sure the member's proved address is on record."""
    from allauth.account.views import email as allauth_email

    if isinstance(request.user, User):
        member_email_address_sync(user=request.user)
    return allauth_email(request)
