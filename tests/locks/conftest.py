import base64
import socket
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.locks.fake_controller import FakeController
from tests.locks.fake_switchbot import FakeSwitchBot

TOKEN = "tok-4f1d0c9a7b2e4b8f9c3d2a1e0f5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4"
SECRET = "sec-5f87ec0ddc65e392f2cb"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"door-controller-key-32-bytes-ok!").decode()


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Daily counters, send claims and health live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def switchbot() -> Iterator[FakeSwitchBot]:
    fake = FakeSwitchBot(token=TOKEN, secret=SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def controller() -> Iterator[FakeController]:
    fake = FakeController(secret=WEBHOOK_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A local URL where nothing listens: connection refused before anything is sent."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
