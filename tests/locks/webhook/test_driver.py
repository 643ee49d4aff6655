import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from officepass.core import clock
from officepass.locks.drivers.base import LockError, Outcome
from officepass.locks.drivers.webhook.driver import WebhookDriver
from officepass.locks.drivers.webhook.signing import (
    InvalidSignature,
    first_delivery,
    sign,
    signed_headers,
    verify_signature,
)
from tests.locks.conftest import WEBHOOK_SECRET
from tests.locks.fake_controller import FakeController

OTHER_SECRET = "whsec_" + base64.b64encode(b"some-other-controller-key-32byte").decode()


def driver(url: str, secret: str = WEBHOOK_SECRET, **settings: Any) -> WebhookDriver:
    options = {"url": url, "space": "hq-3f-room-2", "timeout": 2, **settings}
    return WebhookDriver(options, {"secret": secret})


def soon(seconds: float = 30) -> datetime:
    return clock.now() + timedelta(seconds=seconds)


def unlock_error(lock: WebhookDriver) -> LockError:
    with pytest.raises(LockError) as caught:
        lock.unlock(request_id=uuid.uuid4(), not_after=soon())
    return caught.value


def test_it_signs_the_spec_test_vector() -> None:
    # From the Standard Webhooks reference library's own test suite.
    key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signature = sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_it_posts_a_signed_unlock_the_controller_can_verify(controller: FakeController) -> None:
    request_id, not_after = uuid.uuid4(), soon()

    result = driver(controller.url).unlock(request_id=request_id, not_after=not_after)

    assert result.outcome == Outcome.CONFIRMED
    [delivery] = controller.deliveries
    assert delivery.verified
    assert delivery.headers["webhook-id"] == str(request_id)
    assert delivery.payload == {
        "request_id": str(request_id),
        "space": "hq-3f-room-2",
        "action": "unlock",
        "not_after": not_after.isoformat(),
    }


@pytest.mark.parametrize(
    "answer",
    [(202, {"status": "accepted"}), (204, None), (200, None), (200, {"queued": True})],
)
def test_a_2xx_without_unlocked_is_accepted(
    controller: FakeController, answer: tuple[int, Any]
) -> None:
    controller.answer = answer
    result = driver(controller.url).unlock(request_id=uuid.uuid4(), not_after=soon())
    assert result.outcome == Outcome.ACCEPTED


def test_the_controller_rejects_a_wrong_secret(controller: FakeController) -> None:
    caught = unlock_error(driver(controller.url, secret=OTHER_SECRET))
    assert caught.code == "auth_failed"
    assert [d.verified for d in controller.deliveries] == [False]


@pytest.mark.parametrize(
    ("answer", "error", "retryable"),
    [
        ((400, {"error": "bad request"}), "vendor_error", False),
        ((403, None), "auth_failed", False),
        ((404, None), "vendor_error", False),
        ((409, {"error": "jammed"}), "jammed", False),
        ((429, None), "rate_limited", True),
        ((500, None), "vendor_error", False),
        ((503, None), "offline", True),
        ((500, {"error": "offline"}), "offline", True),
        ((301, None), "vendor_error", False),
    ],
)
def test_it_maps_error_answers(
    controller: FakeController, answer: tuple[int, Any], error: str, retryable: bool
) -> None:
    controller.answer = answer
    caught = unlock_error(driver(controller.url))
    assert (caught.code, caught.retryable) == (error, retryable)


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_timeout_is_unknown(controller: FakeController, status: int) -> None:
    controller.answer = (status, None)
    result = driver(controller.url).unlock(request_id=uuid.uuid4(), not_after=soon())
    assert result.outcome == Outcome.UNKNOWN


def test_a_timeout_after_sending_is_unknown_and_never_resent(controller: FakeController) -> None:
    controller.answer = "hang"
    lock, request_id = driver(controller.url, timeout=0.3), uuid.uuid4()
    assert lock.unlock(request_id=request_id, not_after=soon()).outcome == Outcome.UNKNOWN
    assert lock.unlock(request_id=request_id, not_after=soon()).outcome == Outcome.UNKNOWN
    assert len(controller.deliveries) == 1


def test_it_sends_nothing_after_not_after(controller: FakeController) -> None:
    with pytest.raises(LockError) as caught:
        driver(controller.url).unlock(request_id=uuid.uuid4(), not_after=clock.now())
    assert caught.value.code == "expired"
    assert controller.deliveries == []


def test_the_same_request_id_is_delivered_once(controller: FakeController) -> None:
    lock, request_id = driver(controller.url), uuid.uuid4()
    assert lock.unlock(request_id=request_id, not_after=soon()) == lock.unlock(
        request_id=request_id, not_after=soon()
    )
    assert len(controller.deliveries) == 1


def test_a_refused_connection_is_offline_and_retryable(closed_port_url: str) -> None:
    caught = unlock_error(driver(closed_port_url + "/unlock"))
    assert (caught.code, caught.retryable) == ("offline", True)


def test_no_log_line_carries_the_secret(
    controller: FakeController, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    driver(controller.url).unlock(request_id=uuid.uuid4(), not_after=soon())
    controller.answer = (500, None)
    caught = unlock_error(driver(controller.url))

    signature = controller.deliveries[0].headers["webhook-signature"]
    assert caplog.records
    for secret in [WEBHOOK_SECRET, WEBHOOK_SECRET.removeprefix("whsec_"), signature]:
        assert secret not in caplog.text
        assert secret not in str(caught)


# Push intake: events a controller sends us, signed the same way.


def pushed(body: bytes, secret: str = WEBHOOK_SECRET, msg_id: str = "evt_1") -> dict[str, str]:
    return signed_headers(secret, msg_id, body)


def test_it_verifies_a_pushed_event_and_returns_its_id() -> None:
    body = json.dumps({"type": "lock.state", "data": {"state": "locked"}}).encode()
    headers = {name.title(): value for name, value in pushed(body).items()}  # any header case
    assert verify_signature(headers, body, WEBHOOK_SECRET) == "evt_1"


def test_it_verifies_what_an_independent_signer_produced() -> None:
    key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
    body, stamp = b'{"type":"lock.offline"}', str(int(clock.now().timestamp()))
    mac = hmac.new(key, b"evt_9." + stamp.encode() + b"." + body, hashlib.sha256).digest()
    headers = {
        "webhook-id": "evt_9",
        "webhook-timestamp": stamp,
        "webhook-signature": "v1,bm90LWl0 v1," + base64.b64encode(mac).decode(),  # rotation
    }
    assert verify_signature(headers, body, WEBHOOK_SECRET) == "evt_9"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b + b" "),
        lambda h, b: ({**h, "webhook-id": "evt_2"}, b),
        lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, b),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
        lambda h, b: ({**h, "webhook-signature": h["webhook-signature"].replace("v1", "v1a")}, b),
    ],
)
def test_it_rejects_a_tampered_event(tamper: Any) -> None:
    body = b'{"type":"lock.state"}'
    headers, changed = tamper(pushed(body), body)
    with pytest.raises(InvalidSignature):
        verify_signature(headers, changed, WEBHOOK_SECRET)


def test_it_rejects_an_event_signed_with_another_secret() -> None:
    body = b"{}"
    with pytest.raises(InvalidSignature):
        verify_signature(pushed(body, secret=OTHER_SECRET), body, WEBHOOK_SECRET)


@pytest.mark.parametrize("shift", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_it_rejects_an_event_outside_five_minutes(shift: timedelta) -> None:
    body = b"{}"
    with time_machine.travel(datetime.now(tz=UTC) + shift, tick=False):
        headers = pushed(body)
    with pytest.raises(InvalidSignature, match="tolerance"):
        verify_signature(headers, body, WEBHOOK_SECRET)


def test_it_accepts_an_event_four_minutes_old() -> None:
    body = b"{}"
    with time_machine.travel(datetime.now(tz=UTC) - timedelta(minutes=4), tick=False):
        headers = pushed(body)
    assert verify_signature(headers, body, WEBHOOK_SECRET) == "evt_1"


def test_a_replayed_event_id_is_not_a_first_delivery() -> None:
    assert first_delivery("evt_1") is True
    assert first_delivery("evt_1") is False
