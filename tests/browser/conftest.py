"""Browser tests: Playwright drives Debian's Chromium against a live server in this process.

The live server is a thread of the test process, so `time_machine` moves the server's clock
too (officepass.core.clock.now()), with no test-only endpoint in the application.
"""

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.ports import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Ports this suite's live server may use (overridable, e.g. in CI).
PORTS = os.environ.get("BROWSER_TEST_PORTS", "8100-8199")


def _free_port() -> int:
    low, high = (int(p) for p in PORTS.split("-"))
    port = free_port(range(low, high + 1))
    if port is None:
        raise RuntimeError(f"no free port in {PORTS}")
    return port


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM} (scripts/system-deps.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls in the tests
    # themselves are plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as driver:
        yield driver
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="package")
def browser(playwright_driver: Any) -> Iterator[Any]:
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="package")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, on a port of this project's range."""
    server = LiveServer(f"127.0.0.1:{_free_port()}")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def browser_settings(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MAP_TILE_URL = ""  # tests never fetch map tiles
    # A stream whose page has closed notices it at its next write: write often, so the
    # server's threads (and their database connections) end within a second.
    monkeypatch.setattr("officepass.api.streams.HEARTBEAT_SECONDS", 1.0)


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Pages in fresh phone-sized contexts (360×740), closed after the test."""
    contexts: list[Any] = []
    before = request_threads()

    def make(locale: str = "ja-JP", **options: Any) -> Any:
        settings: dict[str, Any] = {
            "base_url": live_server.url,
            "viewport": {"width": 360, "height": 740},
            "device_scale_factor": 1,
            "is_mobile": True,
            "has_touch": True,
            "locale": locale,
            "service_workers": "block",
        }
        context = browser.new_context(**{**settings, **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    wait_for_requests_to_end(ignore=before)


def request_threads() -> frozenset[threading.Thread]:
    """Threads of socketserver's ThreadingMixIn servers in this process, serving a connection."""
    return frozenset(t for t in threading.enumerate() if "process_request_thread" in t.name)


def wait_for_requests_to_end(
    timeout: float = 5.0, ignore: frozenset[threading.Thread] = frozenset()
) -> None:
    """Let the server's event streams notice their closed pages before the database goes.

    Threads that were serving before the test began are not its requests: a fake vendor
    server's idle keep-alive connection, left by an earlier test in this process, holds one
    such thread for good, and counting it made every browser test's teardown wait the whole
    timeout (5.1 s each in the full suite)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not request_threads() - ignore:
            return
        time.sleep(0.1)


def sign_in(page: Any, email: str, password: str) -> None:
    """Fill the sign-in form the page is showing."""
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")
