"""Lock health reports racing each other (PostgreSQL): whatever order 20 concurrent reports
arrive and commit in, the newest event is what stays recorded.

The control applies reports as they arrive (no comparison with the last applied event's time)
and shows an older report ending up on top.
"""

from datetime import timedelta
from functools import partial

import pytest

from officepass.core import clock
from officepass.locks import health as health_module
from officepass.locks.health import lock_health_report
from officepass.locks.models import LockHealth
from tests import factories
from tests.concurrency.race import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]
REPORTS = 20
CONTROL_ROUNDS = 5


def _twenty_reports_at_once(report=lock_health_report) -> tuple[LockHealth, object]:
    """Report 0 is the newest (online) and starts first; the 19 older ones say offline."""
    space = factories.space()
    now = clock.now()
    calls = [
        partial(
            report,
            space_id=space.pk,
            online=n == 0,
            detail={"n": n},
            reported_at=now - timedelta(seconds=n),
        )
        for n in range(REPORTS)
    ]
    outcomes = run_together(calls)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    return LockHealth.objects.get(space=space), now


@pytest.mark.django_db(transaction=True)
def test_the_newest_of_twenty_concurrent_reports_is_what_stays() -> None:
    for _ in range(CONTROL_ROUNDS):
        health, newest = _twenty_reports_at_once()
        assert (health.online, health.reported_at, health.detail) == (True, newest, {"n": 0})


def _applied_as_they_arrive(*, space_id, online, detail, reported_at):
    """The bug the guard prevents: the last report to commit wins, however old its event."""
    with health_module.transaction.atomic():
        health, _ = LockHealth.objects.select_for_update().update_or_create(
            space_id=space_id,
            defaults={
                "online": online,
                "state": "unknown",
                "seen_at": clock.now(),
                "reported_at": reported_at,
                "detail": detail,
            },
        )
    return health


@pytest.mark.django_db(transaction=True)
def test_control_applied_as_they_arrive_an_older_report_ends_on_top() -> None:
    stale = False
    for _ in range(CONTROL_ROUNDS):
        health, newest = _twenty_reports_at_once(_applied_as_they_arrive)
        stale = health.reported_at != newest
        if stale:
            break
    assert stale, "every round ended on the newest report even without the guard"
