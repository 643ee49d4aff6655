"""Sign-up from a door poster with e-mail verification (django-allauth), password reset and
e-mail change; our sign-in (lockout, throttling) stays the only way to sign in."""

import re

import pytest
from django.core import mail
from django.test import Client

from officepass.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-2026"


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"http://testserver(/accounts/[^\s]+)", str(message.body))
    assert found, message.body
    return found.group(1)


def test_door_poster_sign_up_verify_then_choose_a_plan(settings) -> None:
    settings.PAYMENTS_PROVIDER = "demo"
    code = factories.code_for(factories.space())
    factories.plan("individual-10", monthly_price_yen=13750)
    client = Client()
    door = client.get(f"/c/{code}")
    assert door.status_code == 302 and door["Location"].startswith("/signin?next=")
    signin = client.get(door["Location"]).content.decode()
    unquoted = signin.replace("%2F", "/").replace("%3A", ":")
    assert f"/accounts/signup/?next=/c/{code}" in unquoted
    answer = client.post(
        f"/accounts/signup/?next=/c/{code}",
        {"email": "New.Member@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert answer.status_code == 302
    member = User.objects.get(email__iexact="new.member@example.com")
    # Not verified yet: our sign-in refuses, with its own code.
    other = Client()
    refused = other.post("/signin", {"email": member.email, "password": PASSWORD})
    assert 'data-code="email_not_verified"' in refused.content.decode()
    assert len(mail.outbox) == 1
    confirmed = client.get(_link(mail.outbox[0]))
    assert confirmed.status_code == 302, confirmed.content
    # Verified and signed in, back at the door; no plan yet: to the plans, then back.
    assert confirmed["Location"] == f"/c/{code}"
    back_at_door = client.get(confirmed["Location"])
    assert back_at_door.status_code == 302
    assert back_at_door["Location"].startswith("/plans/?next=")
    # And our sign-in works now.
    assert other.post("/signin", {"email": member.email, "password": PASSWORD}).status_code == 302


def test_password_reset_by_mail_then_our_sign_in() -> None:
    member = factories.member("reset@example.com")
    client = Client()
    client.post("/accounts/password/reset/", {"email": "reset@example.com"})
    assert len(mail.outbox) == 1
    step = client.get(_link(mail.outbox[0]), follow=True)
    form_url = step.redirect_chain[-1][0] if step.redirect_chain else _link(mail.outbox[0])
    done = client.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert (
        Client().post("/signin", {"email": member.email, "password": PASSWORD}).status_code == 302
    )


def test_email_change_takes_effect_once_verified() -> None:
    member = factories.member("old@example.com")
    client = Client()
    client.force_login(member)
    answer = client.post("/accounts/email/", {"email": "new@example.com", "action_add": ""})
    assert answer.status_code == 302
    member.refresh_from_db()
    assert member.email == "old@example.com"  # not before the link is opened
    client.get(_link(mail.outbox[-1]))
    member.refresh_from_db()
    assert member.email == "new@example.com"
