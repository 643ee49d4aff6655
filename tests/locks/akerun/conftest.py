from collections.abc import Iterator

import pytest

from officepass.locks.drivers.akerun import tokens
from tests.locks.akerun.fake_akerun import FakeAkerun

CLIENT_ID = "akerun-client-6e2f0a9c"
CLIENT_SECRET = "akerun-secret-3b8d1f7e5a2c9e04"
REDIRECT = "https://officepass.example/console/locks/akerun/callback/"


@pytest.fixture
def akerun(settings, monkeypatch) -> Iterator[FakeAkerun]:
    fake = FakeAkerun(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    settings.AKERUN_API_URL = fake.url
    monkeypatch.setenv("AKERUN_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AKERUN_CLIENT_SECRET", CLIENT_SECRET)
    yield fake
    fake.stop()


@pytest.fixture
def connected(akerun, db):
    """An account the operator connected through the console's OAuth flow."""
    code = akerun.issue_code(REDIRECT)
    return tokens.account_connect(
        actor=None, name="hq", code=code, redirect_uri=REDIRECT, operator_id=None
    )


AKERUN_SETTINGS = {
    "account": "hq",
    "organization_id": "O-ORG-1",
    "akerun_id": "A-1",
    "timeout": 3.0,  # a hang is released by the test; only a hang waits this long
    "confirm_seconds": 2.0,
}
