"""Testing a RemoteLOCK door from the console: the lock is asked now, health kept, audited."""

import pytest

from officepass.accounts.models import User
from officepass.core.models import AuditEntry
from officepass.locks.models import LockHealth
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_check_the_lock_asks_the_cloud_and_records_the_answer(client, remotelock_space, remotelock):
    office = f.office()
    space = remotelock_space(office)
    client.force_login(
        User.objects.create_user("s@example.com", f.PASSWORD, operator=office.operator)
    )
    remotelock.devices["lock-1"].connected = False
    response = client.post(f"/console/spaces/{space.pk}/lock/check/", follow=True)
    assert "online=False" in response.content.decode()
    assert LockHealth.objects.get(space=space).online is False
    remotelock.devices["lock-1"].connected = True
    client.post(f"/console/spaces/{space.pk}/lock/check/")
    health = LockHealth.objects.get(space=space)
    assert (health.online, health.detail["power_level"]) == (True, 80)
    assert AuditEntry.objects.filter(action="lock.checked").count() == 2
