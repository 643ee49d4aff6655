"""Two processes refresh one Akerun account at once (PostgreSQL, real processes).

The vendor rotates the refresh token on use: if both processes send the same refresh token,
the second is refused (`invalid_grant`) and, before the claim moved into the database (a
cache claim: two hosts share no file cache), the account was lost until the operator
connected it again. Now one process refreshes; the other waits for the token it stores.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from officepass.core import clock
from officepass.locks.drivers.akerun import tokens
from officepass.locks.models import LockCloudAccount
from tests.locks.akerun.conftest import CLIENT_ID, CLIENT_SECRET

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import django, sys
django.setup()
from officepass.locks.drivers.akerun import tokens
sys.stdin.readline()  # go
print(tokens.access_token("hq"), flush=True)
"""


def _process(akerun_url: str, cache_dir: Path) -> subprocess.Popen[str]:
    """A process of its own host: its own file cache, no Redis (nothing shared but the
    database and the vendor)."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "CACHE_DIR": str(cache_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "AKERUN_API_URL": akerun_url,
        "AKERUN_CLIENT_ID": CLIENT_ID,
        "AKERUN_CLIENT_SECRET": CLIENT_SECRET,
    }
    return subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_refreshing_at_once_send_one_refresh_and_share_its_token(
    connected, akerun, tmp_path
):
    LockCloudAccount.objects.filter(name="hq").update(expires_at=clock.now())  # due now
    akerun.hold_refresh_seconds = 3.0  # the first refresh waits for a second one, if any
    processes = [_process(akerun.url, tmp_path / f"host{n}") for n in range(2)]
    for process in processes:  # both are set up before either asks
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    answers = [process.communicate(timeout=60) for process in processes]

    assert [p.returncode for p in processes] == [0, 0], [err[-2000:] for _, err in answers]
    issued = {out.strip() for out, _ in answers}
    assert len(issued) == 1 and issued <= akerun.tokens  # one live token, shared
    assert akerun.grants == ["authorization_code", "refresh_token"]  # refreshed once
    account = LockCloudAccount.objects.get(name="hq")
    assert tokens.unseal(account.access_token) in issued and account.refreshing_until is None
