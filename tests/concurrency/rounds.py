"""Many rounds of the same race, on threads that live for all of them.

Starting 50 threads and connections per round costs more than the race itself; a pool of
threads, each with its own database connection and member, runs round after round, all
released together by a barrier. `make test` runs the short form; `make soak` the long one
(the sizes come from the environment, see `Sizes`).
"""

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

BARRIER_TIMEOUT_S = 60


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


@dataclass(frozen=True)
class Sizes:
    """RACE_ROUNDS rounds of RACE_MEMBERS members for a quota-2 space; IDEMPOTENCY_ROUNDS
    rounds of IDEMPOTENCY_DUPLICATES concurrent identical POSTs; SOAK_MAX_SECONDS bounds each
    long run (it stops by itself and says how far it got)."""

    rounds: int = env_int("RACE_ROUNDS", 100)
    members: int = env_int("RACE_MEMBERS", 10)
    control_rounds: int = env_int("RACE_CONTROL_ROUNDS", 20)
    idempotency_rounds: int = env_int("IDEMPOTENCY_ROUNDS", 10)
    duplicates: int = env_int("IDEMPOTENCY_DUPLICATES", 10)
    max_seconds: float = float(env_int("SOAK_MAX_SECONDS", 600))


SIZES = Sizes()


def progress(message: str) -> None:
    """A line on the terminal even under pytest's capture (make soak shows progress)."""
    stream = sys.__stderr__
    if stream is not None:
        stream.write(f"[rounds] {message}\n")
        stream.flush()


class RoundPool:
    """N threads; `run(job)` calls job(i) on thread i, all released at once, and returns the
    N values or exceptions. Use as a context manager so the threads and connections end."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.start = threading.Barrier(size + 1)
        self.done = threading.Barrier(size + 1)
        self.job: Callable[[int], Any] | None = None
        self.outcomes: list[Any] = [None] * size
        self.stopping = False
        self.threads = [threading.Thread(target=self._loop, args=(i,)) for i in range(size)]

    def _loop(self, index: int) -> None:
        connection.ensure_connection()
        try:
            while True:
                self.start.wait(timeout=BARRIER_TIMEOUT_S)
                if self.stopping:
                    return
                try:
                    assert self.job is not None
                    self.outcomes[index] = self.job(index)
                except Exception as exc:
                    self.outcomes[index] = exc
                self.done.wait(timeout=BARRIER_TIMEOUT_S)
        finally:
            connection.close()

    def run(self, job: Callable[[int], Any]) -> list[Any]:
        self.job = job
        self.outcomes = [None] * self.size
        self.start.wait(timeout=BARRIER_TIMEOUT_S)
        self.done.wait(timeout=BARRIER_TIMEOUT_S)
        return list(self.outcomes)

    def __enter__(self) -> "RoundPool":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping = True
        with contextlib.suppress(threading.BrokenBarrierError):
            self.start.wait(timeout=BARRIER_TIMEOUT_S)
        for thread in self.threads:
            thread.join(timeout=BARRIER_TIMEOUT_S)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.seconds = seconds

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def passed(self) -> bool:
        return self.elapsed > self.seconds
