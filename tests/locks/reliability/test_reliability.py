"""Door reliability per lock over 7 and 30 days: success rate, p50/p95, last failures."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.accounts.models import User
from officepass.locks.models import LockCommand
from officepass.locks.selectors import lock_reliability
from tests import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 1, tzinfo=UTC)


def command(space, status: str, ms: float | None, days_ago: float, error: str = "") -> None:
    at = NOW - timedelta(days=days_ago)
    LockCommand.objects.create(
        space=space,
        purpose="unlock",
        driver="simulator",
        status=status,
        latency_ms=ms,
        error_code=error,
        created_at=at,
        not_after=at,
    )


@pytest.fixture
def space():
    space = f.space()
    for ms in range(100, 1000, 100):  # nine that opened: 100 … 900 ms
        command(space, "confirmed", float(ms), days_ago=1)
    command(space, "failed", 30.0, days_ago=2, error="jammed")
    command(space, "unknown", 10000.0, days_ago=3)
    command(space, "failed", 20.0, days_ago=20, error="offline")
    command(space, "accepted", 5000.0, days_ago=25)
    command(space, "confirmed", 1.0, days_ago=40)  # outside both windows
    return space


def test_the_last_7_and_30_days_of_one_door(space):
    week = lock_reliability(space_id=space.pk, days=7, now=NOW)
    assert (week["sent"], week["opened"], week["unknown"]) == (11, 9, 1)
    assert week["success_rate"] == pytest.approx(9 / 11)
    assert (week["p50_ms"], week["p95_ms"]) == (500.0, 900.0)
    assert [x["error"] for x in week["last_failures"]] == ["jammed"]
    month = lock_reliability(space_id=space.pk, days=30, now=NOW)
    assert (month["sent"], month["opened"]) == (13, 10)
    assert month["p95_ms"] == 5000.0
    assert [x["error"] for x in month["last_failures"]] == ["jammed", "offline"]


def test_a_door_without_commands_has_no_rate():
    empty = lock_reliability(space_id=f.space().pk, days=7, now=NOW)
    assert (empty["sent"], empty["success_rate"], empty["p50_ms"]) == (0, None, None)


@time_machine.travel(NOW, tick=False)
def test_the_console_shows_both_periods(space, client):
    staff = User.objects.create_user("s@example.com", f.PASSWORD, operator=space.office.operator)
    client.force_login(staff)
    page = client.get(f"/console/spaces/{space.pk}/").content.decode()
    assert 'id="reliability"' in page
    assert (
        '<tr data-days="7"><td>7 日</td><td>11</td><td>9</td><td>1</td><td class="rate">82%' in page
    )
    assert '<tr data-days="30">' in page and "jammed" in page
