"""Subprocesses for fault tests: manage.py against the test database, bounded waits."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The URL of the database the test runs on (the test database, with its committed data)."""
    s = connection.settings_dict
    port = s.get("PORT") or 5432
    return f"postgres://{s['USER']}@{s.get('HOST') or '127.0.0.1'}:{port}/{s['NAME']}"


def manage_env(url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL=url or database_url(), DB_CONN_MAX_AGE="0", **extra)
    return env


def manage(*args: str, url: str | None = None, timeout: float = 120, **extra: str) -> Any:
    return subprocess.run(  # noqa: S603 (our manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=manage_env(url, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def spawn(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(  # noqa: S603 (our own scripts, fixed arguments)
        args, cwd=settings.BASE_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT
    )


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.05) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
