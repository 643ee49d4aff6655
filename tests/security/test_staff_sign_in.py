"""The console and the Django admin sign-in forms share the members' lockout and throttling:
a staff account is the most valuable one to guess."""

import pytest
from django.test import Client

from officepass.accounts.models import LoginFailure
from officepass.core.models import AuditEntry
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_IP_MAX_FAILURES = 100
    settings.LOGIN_WINDOW_SECONDS = 600
    return settings


@pytest.mark.parametrize("url", ["/console/login/", "/admin/login/"])
def test_staff_sign_in_is_locked_after_too_many_failures(client: Client, limits, url) -> None:
    staff = f.member("secretariat@x.jp")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    for _ in range(3):
        wrong = client.post(url, {"username": staff.email, "password": "wrong"})
        assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(email=staff.email).count() == 3
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 3
    # locked: even the right password is refused, and the form says why
    locked = client.post(url, {"username": staff.email, "password": f.PASSWORD})
    assert "_auth_user_id" not in client.session
    assert locked.status_code == 200
    codes = [e.code for e in locked.context["form"].errors.as_data()["__all__"]]
    assert codes == ["too_many_attempts"]


@pytest.mark.parametrize("url", ["/console/login/", "/admin/login/"])
def test_staff_sign_in_with_the_right_password_works(client: Client, limits, url) -> None:
    staff = f.member("secretariat@x.jp")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.post(url, {"username": staff.email, "password": "wrong"})
    ok = client.post(url, {"username": staff.email, "password": f.PASSWORD})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert not LoginFailure.objects.filter(email=staff.email).exists()
