import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from officepass.core import clock
from officepass.locks.drivers import http_send as sending
from officepass.locks.drivers.base import LockError, Outcome
from officepass.locks.drivers.switchbot import budget
from officepass.locks.drivers.switchbot.driver import SwitchBotDriver
from officepass.locks.drivers.switchbot.signing import sign
from tests.locks.conftest import SECRET, TOKEN
from tests.locks.fake_switchbot import FakeSwitchBot, vendor_sign

DEVICE = "C1D2E3F4A5B6"


def driver(url: str, secret: str = SECRET, **settings: Any) -> SwitchBotDriver:
    options = {"device_id": DEVICE, "base_url": url, "timeout": 2, **settings}
    return SwitchBotDriver(options, {"token": TOKEN, "secret": secret})


def soon(seconds: float = 30) -> datetime:
    return clock.now() + timedelta(seconds=seconds)


def unlock_error(lock: SwitchBotDriver, **kwargs: Any) -> LockError:
    with pytest.raises(LockError) as caught:
        lock.unlock(request_id=kwargs.get("request_id", uuid.uuid4()), not_after=soon())
    return caught.value


def test_it_signs_like_the_vendors_published_procedure() -> None:
    t, nonce = "1661927531000", "a1b2c3"
    assert sign(TOKEN, SECRET, t, nonce) == vendor_sign(TOKEN, SECRET, t, nonce)
    assert sign(TOKEN, SECRET, t, nonce) == sign(TOKEN, SECRET, t, nonce).upper()
    assert sign(TOKEN, "other", t, nonce) != sign(TOKEN, SECRET, t, nonce)


def test_it_sends_the_documented_unlock_command(switchbot: FakeSwitchBot) -> None:
    result = driver(switchbot.url).unlock(request_id=uuid.uuid4(), not_after=soon())

    assert result.outcome == Outcome.ACCEPTED
    [call] = switchbot.calls
    assert call.authorized
    assert (call.method, call.path) == ("POST", f"/v1.1/devices/{DEVICE}/commands")
    assert call.body == {"command": "unlock", "parameter": "default", "commandType": "command"}
    assert call.headers["Authorization"] == TOKEN
    assert len(call.headers["t"]) == 13


def test_it_reports_confirmed_when_the_answer_says_unlocked(switchbot: FakeSwitchBot) -> None:
    switchbot.answer_state = True
    result = driver(switchbot.url).unlock(request_id=uuid.uuid4(), not_after=soon())
    assert result.outcome == Outcome.CONFIRMED


def test_the_fake_cloud_rejects_a_wrong_secret(switchbot: FakeSwitchBot) -> None:
    error = unlock_error(driver(switchbot.url, secret="not-the-secret"))

    assert (error.code, error.retryable) == ("auth_failed", False)
    assert [c.authorized for c in switchbot.calls] == [False]
    assert switchbot.lock_state == "locked"


@pytest.mark.parametrize(
    ("status_code", "error", "retryable"),
    [
        (151, "vendor_error", False),
        (152, "vendor_error", False),
        (160, "vendor_error", False),
        (161, "offline", True),
        (171, "offline", True),
        (190, "vendor_error", False),
    ],
)
def test_it_maps_each_vendor_status_code(
    switchbot: FakeSwitchBot, status_code: int, error: str, retryable: bool
) -> None:
    switchbot.mode = status_code
    caught = unlock_error(driver(switchbot.url))
    assert (caught.code, caught.retryable) == (error, retryable)
    assert str(status_code) in caught.detail


@pytest.mark.parametrize(
    ("http_status", "error", "retryable"),
    [(429, "rate_limited", True), (403, "auth_failed", False), (500, "vendor_error", False)],
)
def test_it_maps_http_refusals(
    switchbot: FakeSwitchBot, http_status: int, error: str, retryable: bool
) -> None:
    switchbot.mode = http_status
    caught = unlock_error(driver(switchbot.url))
    assert (caught.code, caught.retryable) == (error, retryable)


def test_a_gateway_error_after_sending_is_unknown_not_a_failure(switchbot: FakeSwitchBot) -> None:
    switchbot.mode = 502
    result = driver(switchbot.url).unlock(request_id=uuid.uuid4(), not_after=soon())
    assert result.outcome == Outcome.UNKNOWN


def test_it_refuses_locally_before_passing_the_daily_limit(switchbot: FakeSwitchBot) -> None:
    lock = driver(switchbot.url, daily_limit=2)
    lock.unlock(request_id=uuid.uuid4(), not_after=soon())
    lock.unlock(request_id=uuid.uuid4(), not_after=soon())

    caught = unlock_error(lock)

    assert (caught.code, caught.retryable) == ("rate_limited", True)
    assert len(switchbot.calls) == 2
    assert budget.calls_today(TOKEN) == 2


def test_status_polls_leave_a_reserve_for_unlocks(switchbot: FakeSwitchBot) -> None:
    lock = driver(switchbot.url, daily_limit=3, status_reserve=2)
    assert lock.status().online
    assert lock.status().detail == {"error": "rate_limited"}

    assert lock.unlock(request_id=uuid.uuid4(), not_after=soon()).outcome == Outcome.ACCEPTED
    assert len(switchbot.calls) == 2


def test_it_sends_nothing_after_not_after(switchbot: FakeSwitchBot) -> None:
    with pytest.raises(LockError) as caught:
        driver(switchbot.url).unlock(request_id=uuid.uuid4(), not_after=clock.now())
    assert caught.value.code == "expired"
    assert switchbot.calls == []
    assert budget.calls_today(TOKEN) == 0


def test_it_sends_nothing_when_the_deadline_passes_while_connecting(
    switchbot: FakeSwitchBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_after = soon(5)
    # send_before reads the clock twice: on entry (in time), then as the headers would go out.
    readings = iter([not_after - timedelta(seconds=1)])
    monkeypatch.setattr(clock, "now", lambda: next(readings, not_after))

    with pytest.raises(LockError) as caught:
        sending.send_before(
            "POST",
            switchbot.url + "/v1.1/devices/X/commands",
            headers={},
            not_after=not_after,
            timeout=2,
        )

    assert caught.value.detail == "deadline passed while connecting"
    assert switchbot.calls == []


def test_a_timeout_after_sending_is_unknown_and_never_resent(switchbot: FakeSwitchBot) -> None:
    switchbot.mode = "hang"
    lock, request_id = driver(switchbot.url, timeout=0.3), uuid.uuid4()

    first = lock.unlock(request_id=request_id, not_after=soon())
    again = lock.unlock(request_id=request_id, not_after=soon())

    assert first.outcome == again.outcome == Outcome.UNKNOWN
    assert first.detail == {"error": "timeout_after_send"}
    assert len(switchbot.calls) == 1


def test_the_http_timeout_never_outlasts_the_deadline(switchbot: FakeSwitchBot) -> None:
    switchbot.mode = "hang"
    started = time.monotonic()
    # A deadline 3 s away (room to connect on a busy machine) against a 60 s HTTP timeout:
    # returning in well under the timeout shows the deadline ended the wait.
    result = driver(switchbot.url, timeout=60).unlock(request_id=uuid.uuid4(), not_after=soon(3))
    assert result.outcome == Outcome.UNKNOWN
    assert time.monotonic() - started < 30


def test_the_same_request_id_opens_the_door_once(switchbot: FakeSwitchBot) -> None:
    lock, request_id = driver(switchbot.url), uuid.uuid4()
    first = lock.unlock(request_id=request_id, not_after=soon())
    second = lock.unlock(request_id=request_id, not_after=soon())
    assert first == second
    assert len(switchbot.commands()) == 1


def test_another_worker_does_not_resend_a_claimed_request_id(
    switchbot: FakeSwitchBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = uuid.uuid4()
    driver(switchbot.url).unlock(request_id=request_id, not_after=soon())
    monkeypatch.setattr(sending, "once", sending.SendOnce())  # a fresh process, shared cache
    monkeypatch.setattr("officepass.locks.drivers.switchbot.driver.once", sending.once)

    result = driver(switchbot.url).unlock(request_id=request_id, not_after=soon())

    assert result.outcome == Outcome.UNKNOWN
    assert result.detail == {"duplicate": True}
    assert len(switchbot.commands()) == 1


def test_a_refused_connection_is_offline_and_may_be_retried(
    switchbot: FakeSwitchBot, closed_port_url: str
) -> None:
    request_id = uuid.uuid4()
    with pytest.raises(LockError) as caught:
        driver(closed_port_url).unlock(request_id=request_id, not_after=soon())
    assert (caught.value.code, caught.value.retryable) == ("offline", True)

    retried = driver(switchbot.url).unlock(request_id=request_id, not_after=soon())

    assert retried.outcome == Outcome.ACCEPTED
    assert len(switchbot.calls) == 1


def test_missing_credentials_fail_without_calling(switchbot: FakeSwitchBot) -> None:
    lock = SwitchBotDriver({"device_id": DEVICE, "base_url": switchbot.url}, {"token": TOKEN})
    assert unlock_error(lock).code == "auth_failed"
    assert switchbot.calls == []


def test_status_reads_the_lock_state(switchbot: FakeSwitchBot) -> None:
    lock = driver(switchbot.url)
    assert lock.status().state == "locked"
    lock.unlock(request_id=uuid.uuid4(), not_after=soon())

    status = lock.status()

    assert (status.online, status.state) == (True, "unlocked")
    assert status.detail["battery"] == 100
    assert switchbot.calls[-1].path == f"/v1.1/devices/{DEVICE}/status"


@pytest.mark.parametrize("status_code", [161, 171])
def test_an_offline_device_or_hub_is_not_online(switchbot: FakeSwitchBot, status_code: int) -> None:
    switchbot.mode = status_code
    assert driver(switchbot.url).is_online() is False


def test_health_is_cached_so_check_ins_do_not_spend_the_budget(switchbot: FakeSwitchBot) -> None:
    lock = driver(switchbot.url)
    assert lock.is_online() and lock.is_online()
    assert len(switchbot.calls) == 1


def test_no_log_line_carries_a_secret(
    switchbot: FakeSwitchBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    lock = driver(switchbot.url)
    lock.unlock(request_id=uuid.uuid4(), not_after=soon())
    lock.status()
    switchbot.mode = "hang"
    # The HTTP timeout, not the deadline, ends this one: a deadline a fraction of a second
    # away could pass while a busy machine is still connecting ("expired" instead).
    driver(switchbot.url, timeout=0.3).unlock(request_id=uuid.uuid4(), not_after=soon())
    switchbot.mode = 161
    with pytest.raises(LockError) as caught:
        lock.unlock(request_id=uuid.uuid4(), not_after=soon())

    signs = [call.headers["sign"] for call in switchbot.calls]
    assert caplog.records, "the driver should log what it did"
    for secret in [TOKEN, SECRET, *signs]:
        assert secret not in caplog.text
        assert secret not in str(caught.value)
