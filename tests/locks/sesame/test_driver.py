"""The SESAME driver against the local fake Web API: sign, history, status, refusals."""

import uuid
from datetime import timedelta
from typing import Any

import pytest

from officepass.core import clock
from officepass.locks.drivers.base import ErrorCode, LockError, Outcome
from officepass.locks.drivers.sesame.driver import SesameDriver
from officepass.locks.models import LockCommand
from officepass.locks.services import lock_command_create, lock_command_send
from officepass.stays.services import stay_check_in
from tests import factories as f
from tests.locks.sesame.conftest import API_KEY, DEVICE, SECRET
from tests.locks.sesame.fake_sesame import FakeSesame, rfc4493_cmac

pytestmark = pytest.mark.django_db  # the driver reads which stay a command is for


def driver(fake: FakeSesame, api_key: str = API_KEY, secret: str = SECRET) -> SesameDriver:
    settings = {"device_uuid": DEVICE, "base_url": fake.url, "timeout": 3.0}
    return SesameDriver(settings, {"api_key": api_key, "secret": secret})


def unlock(lock: SesameDriver) -> Any:
    not_after = clock.now() + timedelta(hours=1)  # not under test: never the limit
    return lock.unlock(request_id=uuid.uuid4(), not_after=not_after)


def test_the_fakes_cmac_is_rfc_4493():
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    assert rfc4493_cmac(key, b"").hex() == "bb1d6929e95937287fa37d129b756746"
    message = bytes.fromhex("6bc1bee22e409f96e93d7e117393172a")
    assert rfc4493_cmac(key, message).hex() == "070a16b46b4d4144f79bdd9dd04a287c"


def test_it_unlocks_with_a_signed_cmd_83(sesame):
    assert unlock(driver(sesame)).outcome == Outcome.ACCEPTED
    command = sesame.commands()[0]
    assert command.authorized and command.body["cmd"] == 83
    assert sesame.state == "unlocked"


def test_the_history_names_the_stay_and_nobody(sesame, monkeypatch):
    monkeypatch.setenv("T_SESAME_KEY", API_KEY)
    monkeypatch.setenv("T_SESAME_SECRET", SECRET)
    settings = {
        "device_uuid": DEVICE,
        "base_url": sesame.url,
        "secret_env": {"api_key": "T_SESAME_KEY", "secret": "T_SESAME_SECRET"},
    }
    space = f.space(lock_driver="sesame", lock_settings=settings)
    member = f.member("hanako.yamada@example.com")
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
    command = lock_command_create(member=member, space=space, stay=stay, purpose="unlock")
    assert lock_command_send(command).status == LockCommand.Status.ACCEPTED
    assert sesame.commands()[0].history == f"op-stay {stay.pk}"


def test_a_wrong_secret_is_refused_by_the_cloud_as_auth_failed(sesame):
    with pytest.raises(LockError) as refused:
        unlock(driver(sesame, secret="00" * 16))
    assert refused.value.code == ErrorCode.AUTH_FAILED
    assert sesame.commands()[0].authorized is False and sesame.state == "locked"


def test_a_wrong_api_key_is_auth_failed(sesame):
    with pytest.raises(LockError) as refused:
        unlock(driver(sesame, api_key="nope"))
    assert refused.value.code == ErrorCode.AUTH_FAILED


def test_a_rate_limit_is_retryable(sesame):
    sesame.mode = 429
    with pytest.raises(LockError) as refused:
        unlock(driver(sesame))
    assert refused.value.code == ErrorCode.RATE_LIMITED and refused.value.retryable


def test_an_offline_lock_is_offline_and_retryable_and_its_status_says_so(sesame):
    sesame.offline = True
    lock = driver(sesame)
    with pytest.raises(LockError) as refused:
        unlock(lock)
    assert refused.value.code == ErrorCode.OFFLINE and refused.value.retryable
    assert lock.status().online is False


def test_a_gateway_error_after_sending_is_unknown(sesame):
    sesame.mode = 502
    assert unlock(driver(sesame)).outcome == Outcome.UNKNOWN


def test_a_timeout_after_sending_is_unknown_and_the_same_request_is_never_sent_again(sesame):
    sesame.mode = "hang"
    lock = driver(sesame)
    request_id = uuid.uuid4()
    not_after = clock.now() + timedelta(hours=1)  # not under test: never the limit
    assert lock.unlock(request_id=request_id, not_after=not_after).outcome == Outcome.UNKNOWN
    sesame.release.set()
    sesame.mode = "ok"
    assert lock.unlock(request_id=request_id, not_after=not_after).outcome == Outcome.UNKNOWN
    assert len(sesame.commands()) == 1


def test_status_reports_battery_and_state(sesame):
    status = driver(sesame).status()
    assert status.online and status.state == "locked"
    assert status.detail["batteryPercentage"] == 87


def test_an_unreachable_cloud_is_offline_before_anything_left(closed_port_url):
    lock = SesameDriver(
        {"device_uuid": DEVICE, "base_url": closed_port_url}, {"api_key": API_KEY, "secret": SECRET}
    )
    with pytest.raises(LockError) as refused:
        unlock(lock)
    assert refused.value.code == ErrorCode.OFFLINE and refused.value.retryable
