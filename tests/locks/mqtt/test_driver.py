"""The MQTT lock driver against the real Mosquitto and `lock_device` subprocesses.

Every wait ends on an event (a device's output line, a fence, the door's answer). A test that
expects an answer gives the driver a confirm timeout far above any answer time
(`ANSWER_BOUND`): the driver returns as soon as the door answers, and the bound only matters
when it never does. Where silence is the point, the timeout (`SILENCE`) is only what the
broker's PUBACK may take.
"""

import logging
import signal
import time
import uuid
from datetime import timedelta

import pytest

from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.locks.drivers.base import ErrorCode, LockError, Outcome
from officepass.locks.drivers.mqtt import connection as conns
from officepass.locks.drivers.mqtt.config import lock_topics
from officepass.locks.drivers.mqtt.driver import MqttDriver
from officepass.locks.health import lock_health_online, lock_health_report
from officepass.locks.models import LockCommand
from officepass.locks.registry import driver_for
from officepass.locks.services import lock_command_create, lock_command_send
from officepass.stays.services import stay_check_in, stay_unlock
from tests import factories as f
from tests.locks.mqtt.conftest import fence, listen_until

pytestmark = pytest.mark.django_db

ANSWER_BOUND = 30.0  # confirm timeout when the door answers: never reached unless broken
SILENCE = 3.0  # confirm timeout when the door stays silent: the PUBACK's failure bound


def warm(driver: MqttDriver) -> None:
    """Open the driver's shared connection and its state subscription ahead, so that a test
    that times `not_after` to the second does not spend its seconds connecting."""
    conn = conns.shared_connection(driver.broker)
    assert conn.ensure_subscribed(driver.topics.state_topic, timeout=ANSWER_BOUND)


def mqtt_space(device_id: str, **lock_settings: object):
    lock_settings = {"device_id": device_id, "confirm_timeout": ANSWER_BOUND, **lock_settings}
    return f.space(lock_driver="mqtt", lock_settings=lock_settings)


def send(space) -> LockCommand:
    command = lock_command_create(member=None, space=space, stay=None, purpose="unlock")
    return lock_command_send(command)


def soon(seconds: float = 30):
    return clock.now() + timedelta(seconds=seconds)


def test_it_derives_home_assistant_topics_from_the_device_id():
    topics = lock_topics({"device_id": "door-7"})
    assert (topics.command_topic, topics.state_topic, topics.availability_topic) == (
        "officepass/locks/door-7/set",
        "officepass/locks/door-7/state",
        "officepass/locks/door-7/availability",
    )
    assert (topics.payload_unlock, topics.state_unlocked) == ("UNLOCK", "UNLOCKED")


def test_it_derives_tasmota_topics_for_the_relay_profile_and_keeps_explicit_ones():
    topics = lock_topics({"device_id": "strike", "profile": "relay", "state_topic": "x/POWER1"})
    assert topics.command_topic == "cmnd/strike/POWER"
    assert topics.availability_topic == "tele/strike/LWT"
    assert topics.state_topic == "x/POWER1"
    assert topics.is_available("Offline") is False and topics.is_available("Online") is True


def test_it_refuses_settings_that_name_no_door():
    with pytest.raises(ValueError):
        lock_topics({"profile": "lock"})
    with pytest.raises(ValueError):
        lock_topics({"device_id": "x", "profile": "garage"})


def test_it_makes_a_misconfigured_mqtt_lock_unavailable():
    with pytest.raises(DomainError) as refused:
        MqttDriver({"profile": "garage"})
    assert refused.value.code == "lock_unavailable"


def test_it_confirms_an_unlock_and_records_latency(start_device, device_id):
    start_device(device_id)
    space = mqtt_space(device_id)
    assert listen_until(lambda: lock_health_online(space.pk) is True)
    member = f.member()
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
    started = time.perf_counter()
    result, _ = stay_unlock(member=member, stay_id=stay.pk)
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert result == "unlocked"
    command = LockCommand.objects.get(stay=stay)
    assert command.status == LockCommand.Status.CONFIRMED and command.driver == "mqtt"
    assert 0 < command.latency_ms <= elapsed_ms  # measured around the send, whatever the load
    assert 0 < command.response["confirm_ms"] <= command.latency_ms
    assert command.response["acked"] is True and command.response["state"] == "unlocked"


def test_it_reports_a_jammed_lock_as_unavailable(start_device, device_id):
    start_device(device_id, "jammed")
    space = mqtt_space(device_id)
    lock_health_report(space_id=space.pk, online=True)
    member = f.member()
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
    with pytest.raises(DomainError) as refused:
        stay_unlock(member=member, stay_id=stay.pk)
    assert refused.value.code == "lock_unavailable"
    command = LockCommand.objects.get(stay=stay)
    assert (command.status, command.error_code) == (LockCommand.Status.FAILED, "jammed")


def test_it_leaves_a_silent_lock_unknown_and_never_sends_twice(start_device, device_id):
    device = start_device(device_id, "silent")
    space = mqtt_space(device_id, confirm_timeout=SILENCE)
    command = send(space)
    assert command.status == LockCommand.Status.UNKNOWN
    assert command.response["acked"] is True
    again = driver_for(space).unlock(request_id=command.request_id, not_after=soon())
    assert again.outcome == Outcome.UNKNOWN
    fence(device)  # anything either call sent has reached the device by now
    assert device.count(f"received {command.request_id}") == 1


@pytest.mark.parametrize(
    ("delay_ms", "timeout", "status"),
    [
        (300, ANSWER_BOUND, LockCommand.Status.CONFIRMED),  # answers long before the timeout
        (600_000, SILENCE, LockCommand.Status.UNKNOWN),  # answers long after the timeout
    ],
)
def test_it_waits_for_a_slow_lock_only_up_to_the_timeout(
    start_device, device_id, delay_ms, timeout, status
):
    start_device(device_id, "slow", "--delay-ms", str(delay_ms))
    command = send(mqtt_space(device_id, confirm_timeout=timeout))
    assert command.status == status
    # Waited for the door (no sooner than its delay) or for the timeout, never for the other.
    assert min(delay_ms, timeout * 1000) <= command.latency_ms < max(delay_ms, timeout * 1000)


def test_it_never_waits_past_not_after(start_device, device_id):
    start_device(device_id, "silent")
    driver = MqttDriver({"device_id": device_id, "confirm_timeout": ANSWER_BOUND})
    warm(driver)
    started = time.monotonic()
    result = driver.unlock(request_id=uuid.uuid4(), not_after=soon(4))
    assert (result.outcome, result.detail["state"]) == (Outcome.UNKNOWN, "no answer")
    # It stopped waiting at not_after (4 s away), not at its confirm timeout (30 s).
    assert time.monotonic() - started < ANSWER_BOUND / 2


def test_it_lets_the_device_execute_a_twice_delivered_command_once(start_device, device_id):
    device = start_device(device_id, "duplicate")
    command = send(mqtt_space(device_id))
    assert command.status == LockCommand.Status.CONFIRMED
    # The device prints in order: received, executed, received, duplicate.
    assert device.wait_for(f"duplicate {command.request_id}"), device.lines
    assert device.count(f"received {command.request_id}") == 2
    assert device.count(f"executed {command.request_id}") == 1


def test_it_sends_nothing_once_not_after_has_passed(start_device, device_id):
    device = start_device(device_id)
    space = mqtt_space(device_id)
    command = lock_command_create(member=None, space=space, stay=None, purpose="unlock")
    LockCommand.objects.filter(pk=command.pk).update(not_after=clock.now())
    command.refresh_from_db()
    assert lock_command_send(command).status == LockCommand.Status.EXPIRED
    with pytest.raises(LockError) as too_late:
        MqttDriver(space.lock_settings).unlock(request_id=uuid.uuid4(), not_after=soon(1.9))
    assert too_late.value.code == ErrorCode.EXPIRED and not too_late.value.retryable
    fence(device)
    assert not any(
        line.startswith("received") and not line.startswith("received fence-")
        for line in device.lines
    )


@pytest.mark.parametrize(("seconds", "delivered"), [(3.9, False), (60, True)])
def test_it_lets_the_broker_drop_a_queued_command_at_not_after(
    start_device, device_id, seconds, delivered
):
    # A device with a persistent session loses power: the broker queues its commands.
    first = start_device(device_id, "normal", "--session-expiry", "120")
    first.stop(signal.SIGKILL)
    driver = MqttDriver({"device_id": device_id, "confirm_timeout": SILENCE})
    warm(driver)  # so the 3.9 s leave a whole second of expiry (floor(3.9 - ε) - 1 - 1 s spare)
    request_id, not_after = uuid.uuid4(), soon(seconds)
    result = driver.unlock(request_id=request_id, not_after=not_after)
    assert (result.outcome, result.detail["acked"]) == (Outcome.UNKNOWN, True)
    if not delivered:
        # Wait for the deadline itself: from then on the broker must not hand the command out.
        time.sleep(max(0.0, (not_after - clock.now()).total_seconds()) + 0.05)
    again = start_device(device_id, "normal", "--session-expiry", "120")
    if delivered:
        assert again.wait_for(f"received {request_id}"), again.lines
    else:
        fence(again)  # sent after the session was resumed: a queued copy would come first
        assert again.count(f"received {request_id}") == 0, again.lines


def test_it_pulses_a_tasmota_relay_and_confirms_by_its_power_state(start_device, device_id):
    device = start_device(device_id, profile="relay")
    space = mqtt_space(device_id, profile="relay", pulse_time=10)
    command = send(space)
    assert command.status == LockCommand.Status.CONFIRMED
    assert command.response["topic"] == f"cmnd/{device_id}/POWER"
    # The device prints what it takes in, in order: PulseTime first, then the command.
    assert device.wait_for(f"executed {command.request_id}"), device.lines
    assert device.count("pulse 10") == 1


def test_it_raises_a_retryable_offline_error_when_the_broker_is_unreachable(settings):
    settings.MQTT_PORT = 1  # nothing listens there
    driver = MqttDriver({"device_id": "nowhere"})
    with pytest.raises(LockError) as offline:
        driver.unlock(request_id=uuid.uuid4(), not_after=soon())
    assert offline.value.code == ErrorCode.OFFLINE and offline.value.retryable


def test_it_never_logs_the_broker_password(start_device, device_id, caplog, settings):
    password = "pw-" + uuid.uuid4().hex
    caplog.set_level(logging.DEBUG)
    start_device(device_id)
    secrets = {"username": "officepass", "password": password}
    driver = MqttDriver({"device_id": device_id, "confirm_timeout": ANSWER_BOUND}, secrets)
    assert driver.unlock(request_id=uuid.uuid4(), not_after=soon()).outcome == "confirmed"
    settings.MQTT_PORT = 1
    with pytest.raises(LockError) as offline:
        MqttDriver({"device_id": device_id}, secrets).unlock(
            request_id=uuid.uuid4(), not_after=soon()
        )
    assert caplog.records, "the driver logged nothing, so this test proves nothing"
    assert password not in caplog.text
    assert password not in str(offline.value) and password not in repr(driver.broker)
