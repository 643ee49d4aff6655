"""RemoteLOCK webhooks: the shared secret checked, each event once, health recorded."""

import json

import pytest

from officepass.locks.models import LockHealth
from tests import factories as f

pytestmark = pytest.mark.django_db
SECRET = "rl-webhook-secret-5c1e9a7b3d"


@pytest.fixture
def space(monkeypatch):
    monkeypatch.setenv("TEST_RL_WEBHOOK", SECRET)
    settings = {"lock_id": "lock-1", "secret_env": {"webhook_secret": "TEST_RL_WEBHOOK"}}
    return f.space(lock_driver="remotelock", lock_settings=settings)


def post(client, space, event_id: str, kind: str, secret: str = SECRET, **attributes):
    body = {
        "data": {"type": kind, "id": event_id, "attributes": {"source_id": "lock-1", **attributes}}
    }
    return client.post(
        f"/api/v1/locks/{space.pk}/events",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Secret": secret},
    )


def test_a_connectivity_event_sets_the_locks_health_once(client, space):
    answer = post(client, space, "ev-1", "connectivity_event", connected=False)
    assert answer.status_code == 200 and answer.json()["accepted"] is True
    assert LockHealth.objects.get(space=space).online is False
    again = post(client, space, "ev-1", "connectivity_event", connected=True)
    assert again.json()["duplicate"] is True
    assert LockHealth.objects.get(space=space).online is False


def test_an_access_event_says_the_lock_is_online_and_unlocked(client, space):
    post(client, space, "ev-2", "access_person_used_event")
    health = LockHealth.objects.get(space=space)
    assert (health.online, health.state) == (True, "unlocked")


def test_a_wrong_or_missing_secret_is_refused_and_nothing_recorded(client, space):
    assert post(client, space, "ev-3", "connectivity_event", secret="nope").status_code == 401
    assert not LockHealth.objects.filter(space=space).exists()
