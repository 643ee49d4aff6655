"""django-allauth's signals → our services: a sign-up waits for its e-mail to be verified
before our sign-in lets it in; the link in the mail or a password reset by mail proves it."""

from typing import Any

from officepass.accounts.models import User
from officepass.accounts.services import member_email_verified_set


def on_signed_up(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    member_email_verified_set(user=user, verified=False)


def on_email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    user = User.objects.get(pk=email_address.user_id)
    member_email_verified_set(user=user, verified=True)


def on_password_reset(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    member_email_verified_set(user=user, verified=True)
