"""The backup PIN: the app cannot unlock a RemoteLOCK door (jammed) → the stay screen offers
the stay's PIN, valid only until the deadline, and the offline page shows it too."""

from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from officepass.core.models import AuditEntry
from officepass.locks.models import LockCredential
from officepass.stays.services import stay_check_in
from tests import factories as f
from tests.browser.conftest import sign_in
from tests.locks.remotelock.conftest import CLIENT_ID, CLIENT_SECRET, remotelock_settings
from tests.locks.remotelock.fake_remotelock import FakeRemoteLock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cloud(monkeypatch):
    monkeypatch.setenv("TEST_RL_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("TEST_RL_SECRET", CLIENT_SECRET)
    fake = FakeRemoteLock(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    yield fake
    fake.stop()


def test_a_jammed_unlock_offers_the_stays_backup_pin_online_and_offline(new_page, cloud):
    with time_machine.travel(datetime.now(UTC), tick=True):
        member = f.member("pin@example.com")
        space = f.space(
            f.office("H1T 日本橋"),
            name="ブース",
            lock_driver="remotelock",
            lock_settings=remotelock_settings(cloud),
        )
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
        credential = LockCredential.objects.get(stay=stay)
        assert credential.status == "active"
        cloud.devices["lock-1"].jammed = True
        page = new_page(service_workers="allow")
        page.goto(f"/stays/{stay.pk}")
        sign_in(page, "pin@example.com", f.PASSWORD)
        deadline = page.locator("#deadline").inner_text()
        expect(page.locator("#backup-pin-value")).to_have_count(0)  # not before a failure
        page.click("#unlock-button")
        page.click("#unlock-confirm")
        page.click("#backup-pin-button")
        expect(page.locator("#backup-pin-value")).to_have_text(credential.pin)
        expect(page.locator("#backup-pin")).to_contain_text(deadline)
        revealed = AuditEntry.objects.filter(action="lock.backup_pin_revealed")
        assert revealed.filter(data__to="screen").count() == 1
        assert cloud.guests[credential.ref]["pin"] == credential.pin
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.context.set_offline(True)
        page.goto("/history")  # never visited: the offline page
        expect(page.locator("#offline-pin-value")).to_have_text(credential.pin)
        expect(page.locator("#offline-pin-until")).to_have_text(deadline)
        page.context.set_offline(False)
