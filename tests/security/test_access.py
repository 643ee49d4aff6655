"""Per-endpoint access: member A cannot see or act on member B's stay; operator X's staff
cannot touch operator Y's locks. Refusals are `not_found` (nothing leaks that it exists)."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from officepass.accounts.models import User
from officepass.core import clock
from officepass.locks.models import LockCommand
from officepass.offices.models import Operator, Space
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from officepass.tickets.models import LedgerEntry
from tests import factories as f
from tests.security.helpers import bearer, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_stay() -> Stay:
    owner = f.member("b@x.jp", tickets=10)
    stay = stay_check_in(member=owner, code=f.code_for(f.space(quota=3)), minutes=120)
    # B's extension window is open, so only access can stop A
    Stay.objects.filter(pk=stay.pk).update(extension_opens_at=clock.now() - timedelta(minutes=1))
    return stay


def _snapshot(stay: Stay) -> tuple[Any, ...]:
    fresh = Stay.objects.get(pk=stay.pk)
    return (
        fresh.status,
        fresh.deadline,
        LedgerEntry.objects.count(),
        LockCommand.objects.count(),
        Space.objects.get(pk=stay.space_id).in_use,
    )


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "unlock", None),
        ("POST", "extend", {"minutes": 120}),
        ("POST", "checkout", {"unlock": True}),
        ("POST", "recover", None),
    ],
)
@pytest.mark.parametrize("who", ["member", "staff_of_the_office", "other_operator"])
def test_nobody_but_the_member_acts_on_a_stay(
    client: Client, b_stay: Stay, method: str, suffix: str, body: Any, who: str
) -> None:
    actor = {
        "member": lambda: f.member("a@x.jp", tickets=10),
        "staff_of_the_office": lambda: User.objects.create_user(
            "op@x.jp", f.PASSWORD, operator=b_stay.office.operator
        ),
        "other_operator": lambda: User.objects.create_user(
            "y@x.jp", f.PASSWORD, operator=Operator.objects.create(name="Y")
        ),
    }[who]()
    before = _snapshot(b_stay)
    response = send(
        client, method, f"/api/v1/stays/{b_stay.pk}/{suffix}", body, **bearer(client, actor)
    )
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    assert _snapshot(b_stay) == before


def test_a_member_does_not_see_another_member_s_stays(client: Client, b_stay: Stay) -> None:
    headers = bearer(client, f.member("a@x.jp"))
    current = client.get("/api/v1/stays/current", **headers)
    assert current.status_code == 404 and current.json()["code"] == "no_active_stay"
    assert client.get("/api/v1/stays", **headers).json()["items"] == []
    tickets = client.get("/api/v1/me/tickets", **headers).json()
    assert all(item.get("stay_id") != b_stay.pk for item in tickets["items"])
    # B sees it, so the above is a real refusal and not an empty database
    own = client.get("/api/v1/stays/current", **bearer(client, b_stay.member)).json()
    assert own["id"] == b_stay.pk


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_operator_x_staff_cannot_see_or_configure_operator_y_locks(
    client: Client, method: str
) -> None:
    y_space = f.space(f.office("Y office", operator=Operator.objects.create(name="Y corp")))
    x_staff = User.objects.create_user(
        "x@x.jp", f.PASSWORD, operator=Operator.objects.create(name="X")
    )
    body = {"driver": "simulator", "settings": {"mode": "offline"}} if method == "PUT" else None
    response = send(
        client, method, f"/api/v1/spaces/{y_space.pk}/lock", body, **bearer(client, x_staff)
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    y_space.refresh_from_db()
    assert y_space.lock_settings == {} and y_space.lock_driver in ("", None, "simulator")
    # Y's own staff may: so the refusal is about tenancy, not the endpoint
    y_staff = User.objects.create_user("y@x.jp", f.PASSWORD, operator=y_space.office.operator)
    ok = send(client, method, f"/api/v1/spaces/{y_space.pk}/lock", body, **bearer(client, y_staff))
    assert ok.status_code == 200


def test_an_unsigned_lock_event_for_any_space_is_refused(client: Client) -> None:
    space = f.space()
    response = send(client, "POST", f"/api/v1/locks/{space.pk}/events", {"type": "offline"})
    assert response.status_code in (401, 404)
    assert response.json()["code"] in ("invalid_signature", "not_found")
