"""Door controllers push their health to a signed intake; an offline lock blocks check-in."""

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from officepass.core.errors import DomainError
from officepass.locks.drivers.webhook.signing import signed_headers
from officepass.locks.models import LockHealth
from officepass.offices.models import Space
from officepass.stays.services import stay_check_in
from tests import factories as f

pytestmark = pytest.mark.django_db
SECRET = "whsec_" + base64.b64encode(b"door-controller-secret-0123456789").decode()
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@pytest.fixture
def space(monkeypatch: pytest.MonkeyPatch) -> Space:
    monkeypatch.setenv("DOOR_SECRET_TEST", SECRET)
    return f.space(
        lock_driver="webhook",
        lock_settings={
            "url": "http://127.0.0.1:9/unlock",
            "secret_env": {"secret": "DOOR_SECRET_TEST"},
        },
    )


def push(
    client: Client,
    space: Space,
    event: dict[str, Any],
    *,
    secret: str = SECRET,
    msg_id: str = "evt-1",
) -> Any:
    body = json.dumps(event).encode()
    headers: dict[str, Any] = {
        f"HTTP_{k.upper().replace('-', '_')}": v
        for k, v in signed_headers(secret, msg_id, body).items()
    }
    return client.post(
        f"/api/v1/locks/{space.pk}/events", body, content_type="application/json", **headers
    )


@time_machine.travel(NOW, tick=False)
def test_a_controller_reporting_offline_blocks_check_in_before_any_ticket(client, space):
    member = f.member(tickets=3)
    response = push(client, space, {"type": "health", "online": False, "state": "unknown"})
    assert response.status_code == 200 and response.json() == {"accepted": True, "duplicate": False}
    assert LockHealth.objects.get(space=space).online is False
    with pytest.raises(DomainError) as error:
        stay_check_in(member=member, code=f.code_for(space), minutes=120)
    assert error.value.code == "lock_unavailable"
    member.ticket_account.refresh_from_db()
    assert member.ticket_account.balance == 3
    back = push(client, space, {"type": "health", "online": True, "state": "locked"}, msg_id="e2")
    assert back.json()["accepted"] is True
    assert stay_check_in(member=member, code=f.code_for(space), minutes=120).status == "active"


@time_machine.travel(NOW, tick=False)
def test_a_replayed_event_is_taken_once(client, space):
    event = {"type": "health", "online": False}
    assert push(client, space, event).json()["accepted"] is True
    assert push(client, space, event).json() == {"accepted": False, "duplicate": True}


@time_machine.travel(NOW, tick=False)
def test_a_wrong_signature_or_unknown_space_is_refused(client, space):
    other = "whsec_" + base64.b64encode(b"not-the-right-secret-at-all-xx").decode()
    forged = push(client, space, {"type": "health", "online": False}, secret=other)
    assert forged.status_code == 401 and forged.json()["code"] == "invalid_signature"
    assert not LockHealth.objects.exists()
    plain = f.space(f.office("Other"))
    assert push(client, plain, {"type": "health", "online": False}).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_malformed_event_is_a_clear_400(client, space):
    response = push(client, space, {"type": "health", "online": "maybe"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
