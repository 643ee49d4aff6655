"""Lock health from MQTT availability (last will) and state, and the check-in it guards."""

import signal

import pytest

from officepass.core.errors import DomainError
from officepass.locks.health import lock_health_online
from officepass.locks.models import LockHealth
from officepass.locks.registry import driver_for
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from officepass.tickets.models import LedgerEntry
from officepass.tickets.selectors import balance_of
from tests import factories as f
from tests.locks.mqtt.conftest import BOUND, listen_until

pytestmark = pytest.mark.django_db


def mqtt_space(device_id: str, **lock_settings: object):
    return f.space(lock_driver="mqtt", lock_settings={"device_id": device_id, **lock_settings})


def test_it_treats_a_lock_that_never_reported_as_offline():
    space = mqtt_space("never-seen")
    assert lock_health_online(space.pk) is None
    assert driver_for(space).is_online() is False


def test_it_refuses_check_in_when_the_lock_s_last_will_says_offline(start_device, device_id):
    start_device(device_id, "offline", "--delay-ms", "100")
    space = mqtt_space(device_id)
    assert listen_until(lambda: lock_health_online(space.pk) is False)
    member = f.member()
    entries = LedgerEntry.objects.filter(member=member).count()
    with pytest.raises(DomainError) as refused:
        stay_check_in(member=member, code=f.code_for(space), minutes=120)
    assert refused.value.code == "lock_unavailable"
    assert balance_of(member) == 10
    assert LedgerEntry.objects.filter(member=member).count() == entries
    assert not Stay.objects.filter(member=member).exists()


def test_it_marks_a_lock_offline_when_it_loses_power(start_device, device_id):
    device = start_device(device_id)
    space = mqtt_space(device_id)
    assert listen_until(lambda: lock_health_online(space.pk) is True)
    assert driver_for(space).is_online() is True
    device.stop(signal.SIGKILL)  # no DISCONNECT: the broker publishes the last will
    assert listen_until(lambda: lock_health_online(space.pk) is False)
    assert driver_for(space).is_online() is False


def test_it_records_the_state_a_lock_reports(start_device, device_id):
    start_device(device_id, profile="relay")
    space = mqtt_space(device_id, profile="relay")
    assert listen_until(
        lambda: LockHealth.objects.filter(space=space, state="locked", online=True).exists()
    )
    assert driver_for(space).status().state == "locked"


def test_lock_device_stops_by_itself_after_max_seconds(start_device, device_id):
    device = start_device(device_id, "normal", "--max-seconds", "0.5")
    assert device.proc.wait(timeout=BOUND) == 0
    device.stop()
    assert "executions=0 duplicates=0" in device.lines
