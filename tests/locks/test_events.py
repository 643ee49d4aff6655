"""Door controllers push their health to a signed intake; an offline lock blocks check-in."""

import base64
import json
from datetime import UTC, datetime, timedelta
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


def push_signed(client: Client, space: Space, event: dict[str, Any], headers: dict[str, str]):
    body = json.dumps(event).encode()
    meta: dict[str, Any] = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(
        f"/api/v1/locks/{space.pk}/events", body, content_type="application/json", **meta
    )


def test_a_late_offline_from_90_s_ago_does_not_override_a_newer_online(client, space):
    from officepass.core.models import AuditEntry

    late = {"type": "health", "online": False, "state": "unknown"}
    with time_machine.travel(NOW - timedelta(seconds=90), tick=False):
        old_headers = signed_headers(SECRET, "evt-old", json.dumps(late).encode())
    with time_machine.travel(NOW, tick=False):
        newer = push(client, space, {"type": "health", "online": True}, msg_id="evt-new")
        assert newer.json() == {"accepted": True, "duplicate": False}
        arrived_late = push_signed(client, space, late, old_headers)
        assert arrived_late.json() == {"accepted": True, "duplicate": False}  # taken, not retried
        health = LockHealth.objects.get(space=space)
        assert health.online is True
        assert health.reported_at == NOW
        assert health.detail == {"event_id": "evt-new"}
        member = f.member(tickets=3)
        assert stay_check_in(member=member, code=f.code_for(space), minutes=120).status == "active"
    actions = list(AuditEntry.objects.filter(action__startswith="lock.").values_list("action"))
    assert actions == [("lock.online",)]


def test_events_apply_in_the_order_they_happened(client, space):
    first = {"type": "health", "online": True}
    with time_machine.travel(NOW - timedelta(seconds=30), tick=False):
        first_headers = signed_headers(SECRET, "evt-1", json.dumps(first).encode())
    with time_machine.travel(NOW, tick=False):
        push_signed(client, space, first, first_headers)
        assert LockHealth.objects.get(space=space).online is True
        push(client, space, {"type": "health", "online": False}, msg_id="evt-2")
        assert LockHealth.objects.get(space=space).online is False  # newer: applied


def test_reports_without_a_time_of_their_own_apply_as_they_arrive(space):
    from officepass.locks.health import lock_health_report

    with time_machine.travel(NOW, tick=False) as traveller:
        lock_health_report(space_id=space.pk, online=True)
        traveller.shift(timedelta(seconds=1))
        lock_health_report(space_id=space.pk, online=False)
    assert LockHealth.objects.get(space=space).online is False
