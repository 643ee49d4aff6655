import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from officepass.core.registry import tick
from officepass.notifications.vapid import generate_pair
from tests.notifications.pushservice import PushService


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def vapid(settings: Any) -> str:
    private, public = generate_pair()
    settings.VAPID_PRIVATE_KEY = private
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = True
    return public


class Workers:
    """`count` worker loops (each thread its own connection), as `manage.py worker` runs."""

    def __init__(self, count: int, interval: float = 0.05) -> None:
        self.stop = threading.Event()
        self.rounds = [0] * count
        self.errors: list[BaseException] = []
        self.round_done = threading.Condition()
        self.threads = [
            threading.Thread(target=self._loop, args=(i, interval)) for i in range(count)
        ]

    def _loop(self, index: int, interval: float) -> None:
        try:
            while not self.stop.is_set():
                tick()
                with self.round_done:
                    self.rounds[index] += 1
                    self.round_done.notify_all()
                self.stop.wait(interval)
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            connection.close()

    def settle(self, rounds: int = 2) -> None:
        """Wait until every worker has finished `rounds` more whole rounds."""
        with self.round_done:
            target = [r + rounds for r in self.rounds]
            ok = self.round_done.wait_for(
                lambda: (
                    self.errors or all(r >= t for r, t in zip(self.rounds, target, strict=True))
                ),
                timeout=60,
            )
        assert ok and not self.errors, self.errors

    def __enter__(self) -> "Workers":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not self.errors, self.errors


@pytest.fixture
def workers() -> Callable[..., Workers]:
    return Workers
