"""Redis stopped under the SwitchBot and webhook drivers, on a redis-server of our own.

Redis is the shared cache (send-once claims, the SwitchBot call budget and health, webhook
replay guard) and the availability nudge. Without it the system keeps what the database can
guarantee: check-ins, unlocks and checkouts answer JSON (success or a stable error, never an
HTML 500), each door gets each command once (the database's `attempted_at` claim), no command
is left `pending`, pushed events are refused with a retryable JSON 503, and `reconcile` is
clean.
"""

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.test import Client

from officepass.locks.drivers.webhook.signing import signed_headers
from officepass.locks.models import LockCommand
from officepass.ops import fanout
from officepass.stays.models import Stay
from tests import factories as f
from tests.faults.procs import wait_for
from tests.locks.conftest import SECRET, TOKEN, WEBHOOK_SECRET
from tests.locks.fake_controller import FakeController
from tests.locks.fake_switchbot import FakeSwitchBot
from tests.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)
PORTS = range(8330, 8340)


class RedisServer:
    """`redis-server --port P --save "" --appendonly no`, ours alone; stop() by its pid."""

    def __init__(self, binary: str, port: int) -> None:
        self.port = port
        args = [binary, "--port", str(port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no"]  # no files: nothing outlives the test
        self.proc = subprocess.Popen(  # noqa: S603 (the system binary, fixed arguments)
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{port}/0"
        wait_for(self.answers, 10, f"redis-server on port {port}")

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def redis_server(settings: Any) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    port = free_port(PORTS)
    if binary is None or port is None:
        pytest.skip("needs redis-server and a free port in 8330-8339")
    server = RedisServer(binary, port)
    settings.REDIS_URL = server.url
    settings.STREAM_CHANNEL = f"officepass:test-redis-down:{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    fanout._client, fanout._quiet_until = None, 0.0
    try:
        yield server
    finally:
        server.stop()
        fanout._client, fanout._quiet_until = None, 0.0


@pytest.fixture
def doors(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSwitchBot, FakeController]]:
    monkeypatch.setenv("SB_TOKEN_REDIS", TOKEN)
    monkeypatch.setenv("SB_SECRET_REDIS", SECRET)
    monkeypatch.setenv("DOOR_SECRET_REDIS", WEBHOOK_SECRET)
    switchbot = FakeSwitchBot(token=TOKEN, secret=SECRET).start()
    controller = FakeController(secret=WEBHOOK_SECRET).start()
    yield switchbot, controller
    switchbot.stop()
    controller.stop()


def _spaces(switchbot: FakeSwitchBot, controller: FakeController) -> list[Any]:
    office = f.office("Redis office")
    sb = {
        "device_id": "C1D2E3F4A5B6",
        "base_url": switchbot.url,
        "timeout": 2,
        "secret_env": {"token": "SB_TOKEN_REDIS", "secret": "SB_SECRET_REDIS"},
    }
    hook = {"url": controller.url, "secret_env": {"secret": "DOOR_SECRET_REDIS"}}
    return [
        f.space(office, name="SwitchBot", quota=4, lock_driver="switchbot", lock_settings=sb),
        f.space(office, name="Webhook", quota=4, lock_driver="webhook", lock_settings=hook),
    ]


class Member:
    """One member's HTTP client; every answer must be JSON."""

    def __init__(self, email: str) -> None:
        f.member(email, tickets=20)
        self.client = Client(raise_request_exception=False)
        answer = self.client.post(
            "/api/v1/auth/token",
            {"email": email, "password": f.PASSWORD},
            content_type="application/json",
        )
        self.auth = {"Authorization": f"Bearer {answer.json()['token']}"}

    def post(self, path: str, body: object = None, key: str | None = None) -> Any:
        headers = {**self.auth, **({"Idempotency-Key": key} if key else {})}
        response = self.client.post(
            path, json.dumps(body) if body is not None else "", "application/json", headers=headers
        )
        assert response["Content-Type"] == "application/json", (path, response.content[:200])
        assert response.status_code < 500 or response.json()["code"] in (
            "lock_unavailable",
            "service_unavailable",
        ), (path, response.status_code, response.content[:300])
        return response


def _journey(member: Member, space: Any, key: str | None) -> list[int]:
    """Check in, unlock, check out (with the exit unlock); the statuses."""
    k = (lambda step: f"{key}-{step}") if key else (lambda step: None)
    stay = member.post("/api/v1/stays", {"code": f.code_for(space), "minutes": 120}, k("in"))
    assert stay.status_code == 201, stay.json()
    stay_id = stay.json()["id"]
    unlock = member.post(f"/api/v1/stays/{stay_id}/unlock", key=k("unlock"))
    out = member.post(f"/api/v1/stays/{stay_id}/checkout", {"unlock": True}, k("out"))
    assert out.status_code == 200, out.json()
    return [stay.status_code, unlock.status_code, out.status_code]


def test_with_redis_stopped_doors_answer_json_and_no_command_is_left_pending(
    redis_server: RedisServer, doors: tuple[FakeSwitchBot, FakeController]
) -> None:
    switchbot, controller = doors
    sb_space, hook_space = _spaces(switchbot, controller)
    members = [Member(f"redis{i}@example.com") for i in range(4)]
    assert _journey(members[0], sb_space, None) == [201, 200, 200]  # Redis up: the baseline

    redis_server.stop()
    assert not redis_server.answers()

    seen = [
        _journey(members[1], sb_space, None),
        _journey(members[2], hook_space, None),
        _journey(members[3], sb_space, "keyed"),
        _journey(members[1], hook_space, "keyed"),
    ]

    assert seen == [[201, 200, 200]] * 4
    commands = LockCommand.objects.all()
    assert commands.count() == 10  # an unlock and an exit unlock per journey
    assert not commands.filter(status=LockCommand.Status.PENDING).exists()
    assert set(commands.values_list("status", flat=True)) <= {"accepted", "confirmed"}
    assert len(switchbot.commands()) == 6 and len(controller.deliveries) == 4  # each once
    assert Stay.objects.filter(status=Stay.Status.ACTIVE).count() == 0
    call_command("reconcile")


def test_with_redis_stopped_a_pushed_door_event_is_a_retryable_json_503(
    redis_server: RedisServer, doors: tuple[FakeSwitchBot, FakeController]
) -> None:
    hook_space = _spaces(*doors)[1]
    redis_server.stop()
    body = json.dumps({"type": "health", "online": True, "state": "locked"}).encode()
    headers = signed_headers(WEBHOOK_SECRET, f"msg_{uuid.uuid4().hex}", body)

    response = Client(raise_request_exception=False).post(
        f"/api/v1/locks/{hook_space.pk}/events",
        body,
        "application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )

    assert response.status_code == 503, response.content[:300]
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"]


def test_a_nudge_that_fails_in_any_way_never_fails_a_committed_check_in(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    def broken(change_id: int) -> None:
        raise RuntimeError("not a RedisError")

    monkeypatch.setattr(fanout, "publish", broken)
    member = Member("nudge@example.com")
    space = f.space()

    answer = member.post("/api/v1/stays", {"code": f.code_for(space), "minutes": 120})

    assert answer.status_code == 201
    assert Stay.objects.filter(status=Stay.Status.ACTIVE).count() == 1
