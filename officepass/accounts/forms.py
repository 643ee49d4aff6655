"""Sign-in forms for the console and the Django admin that go through user_authenticate, so
staff accounts get the same lockout per e-mail and throttling per address as members."""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from officepass.accounts.services import user_authenticate
from officepass.core.errors import DomainError


def _checked_user(form: AuthenticationForm) -> None:
    email = form.cleaned_data.get("username") or ""
    password = form.cleaned_data.get("password") or ""
    ip = form.request.META.get("REMOTE_ADDR") if form.request is not None else None
    try:
        form.user_cache = user_authenticate(email=email, password=password, ip=ip)
    except DomainError as exc:
        raise forms.ValidationError(str(exc.message), code=exc.code) from None
    form.confirm_login_allowed(form.user_cache)


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        _checked_user(self)
        return self.cleaned_data


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self) -> dict[str, Any]:
        _checked_user(self)
        return self.cleaned_data
