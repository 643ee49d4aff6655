import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from tests.mail import smtp_inbox


@pytest.fixture(autouse=True, scope="session")
def api_lane_in_the_test_client() -> Iterator[None]:
    """Django's test client builds its own handler; bearer API calls without a cookie take the
    short middleware chain there too (officepass/api/lane.py), as config/asgi.py and
    config/wsgi.py serve them, so every API test runs on it (tests/api/test_lane.py compares
    it with the whole chain). Each client's handler builds its lane when it first takes it,
    as it builds its own chain, so a test's settings reach the lane's middleware too."""
    from django.conf import settings
    from django.test.client import ClientHandler

    from officepass.api.lane import in_lane, lane_handler

    whole = ClientHandler.get_response
    lanes: weakref.WeakKeyDictionary[ClientHandler, Any] = weakref.WeakKeyDictionary()

    def get_response(self: ClientHandler, request: Any) -> Any:
        if settings.API_LANE and in_lane(request.META):
            if self not in lanes:
                lanes[self] = lane_handler(settings.MIDDLEWARE)
            return lanes[self].get_response(request)
        return whole(self, request)

    ClientHandler.get_response = get_response  # type: ignore[method-assign,assignment]
    yield
    ClientHandler.get_response = whole  # type: ignore[method-assign]


@pytest.fixture
def on_postgres() -> None:
    """Skip, with the reason, unless the test database is PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (make test does)")


@pytest.fixture
def inbox(settings):
    """A real SMTP server (aiosmtpd) that Django sends to: tests/mail.py."""
    yield from smtp_inbox(settings)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """PBKDF2 at full strength costs ~0.3 s per user; tests create hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache(settings) -> None:
    """Each test starts with an empty in-memory cache (no counters left by another test)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--start-at",
        default="",
        help="start the clock at this instant for the whole run (time_machine, ticking): "
        "month-end, year-end, leap-day or an ISO 8601 time with offset",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    name = config.getoption("--start-at")
    if not name:
        return
    import time_machine
    from django.utils import timezone

    from tests.hostile import instant

    at = instant(name, timezone.now())
    traveller = time_machine.travel(at, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:  # shown even with -q, so a CI log says which instant it ran at
        reporter.write_line(f"clock started at {at.isoformat()} (--start-at={name})")
