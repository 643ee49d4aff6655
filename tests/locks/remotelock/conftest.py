from collections.abc import Callable, Iterator
from typing import Any

import pytest

from officepass.offices.models import Space
from tests import factories
from tests.locks.remotelock.fake_remotelock import FakeRemoteLock

CLIENT_ID = "rl-client-7d3e9a1f0b2c4d5e"
CLIENT_SECRET = "rl-secret-1a9f8e7d6c5b4a39"


@pytest.fixture
def remotelock() -> Iterator[FakeRemoteLock]:
    fake = FakeRemoteLock(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    yield fake
    fake.stop()


def remotelock_settings(fake: FakeRemoteLock, **extra: Any) -> dict[str, Any]:
    return {
        "region": "jp",
        "api_url": fake.url,
        "auth_url": fake.url,
        "lock_id": "lock-1",
        "accessible_type": "lock",
        "time_zone": "Asia/Tokyo",
        "timeout": 3.0,  # a hang is released by the test; only a hang waits this long
        "secret_env": {"client_id": "TEST_RL_CLIENT_ID", "client_secret": "TEST_RL_SECRET"},
        **extra,
    }


@pytest.fixture
def remotelock_space(
    remotelock: FakeRemoteLock, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Space]:
    """A space whose door is the fake's lock-1; the credentials only in the environment."""
    monkeypatch.setenv("TEST_RL_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("TEST_RL_SECRET", CLIENT_SECRET)

    def make(office: Any = None, **extra: Any) -> Space:
        lock_settings = remotelock_settings(remotelock, **extra)
        return factories.space(office, lock_driver="remotelock", lock_settings=lock_settings)

    return make
