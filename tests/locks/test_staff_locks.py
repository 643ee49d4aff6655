"""Operators and the secretariat configure a space's lock; nobody else can see or touch it."""

import json
from typing import Any

import pytest
from django.test import Client

from officepass.accounts.models import User
from officepass.core.models import AuditEntry
from officepass.offices.models import Operator, Space
from tests import factories as f

pytestmark = pytest.mark.django_db


def auth(client: Client, user: User) -> dict[str, Any]:
    token = client.post(
        "/api/v1/auth/token",
        {"email": user.email, "password": f.PASSWORD},
        content_type="application/json",
    ).json()["token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def put_lock(client: Client, space: Space, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.put(
        f"/api/v1/spaces/{space.pk}/lock",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def space() -> Space:
    return f.space()


def staff_of(operator: Operator, email: str) -> User:
    return User.objects.create_user(email, f.PASSWORD, operator=operator)


def test_the_operators_staff_configure_their_spaces_lock_and_it_is_audited(client, space):
    staff = staff_of(space.office.operator, "op@x.jp")
    body = {"driver": "simulator", "settings": {"mode": "normal", "device_id": "door-1"}}
    response = put_lock(client, space, body, auth(client, staff))
    assert response.status_code == 200, response.content
    space.refresh_from_db()
    assert space.lock_settings == {"mode": "normal", "device_id": "door-1"}
    row = AuditEntry.objects.get(action="lock.configured")
    assert row.actor == staff and row.data["after"]["settings"]["device_id"] == "door-1"
    shown = client.get(f"/api/v1/spaces/{space.pk}/lock", **auth(client, staff)).json()
    assert shown["driver"] == "simulator"


def test_the_secretariat_may_configure_any_space(client, space):
    admin = User.objects.create_superuser("sec@x.jp", f.PASSWORD)
    response = put_lock(client, space, {"driver": "simulator", "settings": {}}, auth(client, admin))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["member", "other_operator"])
def test_a_member_or_another_operators_staff_cannot_see_or_touch_the_lock(client, space, who):
    user = (
        f.member("m@x.jp")
        if who == "member"
        else staff_of(Operator.objects.create(name="Other"), "other@x.jp")
    )
    headers = auth(client, user)
    assert client.get(f"/api/v1/spaces/{space.pk}/lock", **headers).status_code == 404
    response = put_lock(
        client, space, {"driver": "simulator", "settings": {"mode": "offline"}}, headers
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    space.refresh_from_db()
    assert space.lock_settings == {}


def test_a_stranger_is_not_authenticated(client, space):
    assert client.get(f"/api/v1/spaces/{space.pk}/lock").status_code == 401


def test_secrets_and_unknown_drivers_are_refused(client, space):
    headers = auth(client, staff_of(space.office.operator, "op@x.jp"))
    secret = put_lock(
        client, space, {"driver": "simulator", "settings": {"api_token": "s3cr3t"}}, headers
    )
    assert secret.status_code == 400 and secret.json()["secret_keys"] == ["api_token"]
    unknown = put_lock(client, space, {"driver": "nope", "settings": {}}, headers)
    assert unknown.status_code == 400 and "simulator" in unknown.json()["drivers"]
    named = put_lock(
        client,
        space,
        {"driver": "simulator", "settings": {"secret_env": {"token": "LOCK_TOKEN"}}},
        headers,
    )
    assert named.status_code == 200
    assert not AuditEntry.objects.filter(data__icontains="s3cr3t").exists()
