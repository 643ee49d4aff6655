"""A door below the threshold raises one trouble report by itself; members cannot file that kind."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.errors import DomainError
from officepass.locks.models import LockCommand
from officepass.stays.lock_reliability import locks_reliability_watch
from officepass.support.models import TroubleReport
from officepass.support.services import trouble_report_create
from tests import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 1, tzinfo=UTC)


def commands(space, opened: int, failed: int) -> None:
    for i in range(opened + failed):
        at = NOW - timedelta(hours=i + 1)
        LockCommand.objects.create(
            space=space,
            purpose="unlock",
            driver="simulator",
            status="confirmed" if i < opened else "failed",
            latency_ms=100.0,
            error_code="" if i < opened else "jammed",
            created_at=at,
            not_after=at,
        )


@time_machine.travel(NOW, tick=False)
def test_a_door_below_the_threshold_raises_one_report(mailoutbox):
    bad, good, quiet = f.space(), f.space(), f.space()
    commands(bad, opened=8, failed=4)  # 67 %
    commands(good, opened=19, failed=1)  # 95 %
    commands(quiet, opened=1, failed=3)  # too few unlocks to judge
    assert locks_reliability_watch(force=True) == 1
    report = TroubleReport.objects.get()
    assert report.member is None and report.kind == "lock_reliability"
    assert report.diagnostics["space_id"] == bad.pk and report.diagnostics["sent"] == 12
    assert locks_reliability_watch(force=True) == 0  # the open report is enough
    TroubleReport.objects.update(status="resolved")
    assert locks_reliability_watch(force=True) == 1  # still failing after it was resolved


@time_machine.travel(NOW, tick=False)
def test_the_sweep_runs_at_most_once_per_period():
    commands(f.space(), opened=0, failed=12)
    assert locks_reliability_watch() == 1
    TroubleReport.objects.update(status="resolved")
    assert locks_reliability_watch() == 0  # claimed for LOCK_RELIABILITY_CHECK_SECONDS


def test_a_member_cannot_file_a_reliability_report():
    space = f.space()
    with pytest.raises(DomainError):
        trouble_report_create(
            member=f.member(),
            office_id=space.office_id,
            stay_id=None,
            kind="lock_reliability",
            message="x",
        )
