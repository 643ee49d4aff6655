"""API tokens: stored hashed, expiring, revocable by DELETE /api/v1/auth/token; sign-out."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from officepass.accounts.models import ApiToken
from officepass.accounts.services import hash_token
from officepass.core import clock
from officepass.core.models import AuditEntry
from tests import factories as f
from tests.security.helpers import bearer, send, sign_in

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_token_is_stored(client: Client) -> None:
    member = f.member("h@x.jp")
    raw = sign_in(client, member.email).json()["token"]
    token = ApiToken.objects.get(user=member)
    stored = [str(v) for v in ApiToken.objects.values_list(flat=False).get(pk=token.pk)]
    assert all(raw not in value for value in stored)
    assert token.key_hash == hash_token(raw) and len(token.key_hash) == 64
    assert token.prefix == raw[:10]  # a short prefix to recognise it, not enough to use it


def test_a_token_stops_working_after_its_lifetime(client: Client, settings) -> None:
    settings.TOKEN_TTL_DAYS = 30
    member = f.member("ttl@x.jp")
    headers = bearer(client, member)
    assert client.get("/api/v1/me", **headers).status_code == 200
    with time_machine.travel(clock.now() + timedelta(days=30, seconds=1)):
        response = client.get("/api/v1/me", **headers)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_delete_auth_token_revokes_the_presented_token_only(client: Client) -> None:
    member = f.member("rev@x.jp")
    phone, laptop = bearer(client, member), bearer(client, member)

    response = client.delete("/api/v1/auth/token", **phone)

    assert response.status_code == 204
    gone = client.get("/api/v1/me", **phone)
    assert gone.status_code == 401 and gone.json()["code"] == "not_authenticated"
    assert client.get("/api/v1/me", **laptop).status_code == 200
    revoked = ApiToken.objects.get(revoked_at__isnull=False)
    assert revoked.key_hash == hash_token(phone["HTTP_AUTHORIZATION"].split()[1])
    assert AuditEntry.objects.filter(action="auth.token_revoked", target_id=str(revoked.pk))
    # a second DELETE with the revoked token is simply not authenticated
    assert client.delete("/api/v1/auth/token", **phone).status_code == 401


def test_revocation_needs_authentication(client: Client) -> None:
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    bogus = client.delete("/api/v1/auth/token", HTTP_AUTHORIZATION="Bearer op_forged")
    assert bogus.status_code == 401


def test_a_deactivated_member_s_tokens_stop_working(client: Client) -> None:
    member = f.member("gone@x.jp")
    headers = bearer(client, member)
    member.is_active = False
    member.save()
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_session_sign_out_needs_the_csrf_token_and_ends_the_session() -> None:
    member = f.member("web@x.jp")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get("/api/v1/me").status_code == 200

    refused = client.delete("/api/v1/auth/token")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert client.get("/api/v1/me").status_code == 200  # still signed in

    client.get("/admin/login/")  # a page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    done = send(client, "DELETE", "/api/v1/auth/token", HTTP_X_CSRFTOKEN=csrf)
    assert done.status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert AuditEntry.objects.filter(action="auth.signed_out", actor_id=member.pk).exists()


def test_a_revoked_token_on_a_write_is_not_authenticated_not_a_csrf_failure(client: Client) -> None:
    """Found by the fuzzer: with no session, the cookie check must not answer 403."""
    headers = bearer(client, f.member("fz@x.jp"))
    client.delete("/api/v1/auth/token", **headers)
    response = send(client, "POST", "/api/v1/stays", {"code": "x", "minutes": 120}, **headers)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
