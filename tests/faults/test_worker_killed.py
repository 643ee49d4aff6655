"""The worker is SIGKILLed in the middle of a sweep, inside a transaction it never commits.

Deterministic: stays in space A expire before those in space B; the test holds space B's row
lock, so the worker finishes A and blocks on B's first stay inside its transaction; then it
is killed. After the lock is released, another worker round finishes the job: every stay is
forced out exactly once, every counter is right, `reconcile` is clean.
"""

import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection, connections

from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.offices.models import Space
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in, stay_unlock
from tests import factories
from tests.concurrency.rounds import progress
from tests.faults.procs import database_url, manage, manage_env, spawn, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]
PER_SPACE = 30


def _fill(space: Space, label: str, hours_ago: float) -> list[Stay]:
    with time_machine.travel(clock.now() - timedelta(hours=hours_ago), tick=False):
        return [
            stay_check_in(
                member=factories.corporate_member(f"{label}{i}@example.com"),
                code=factories.code_for(space),
                minutes=120,
            )
            for i in range(PER_SPACE)
        ]


def _forced(space: Space) -> int:
    return Stay.objects.filter(space=space, status=Stay.Status.FORCED_OUT).count()


def _waiting_on_a_lock(db_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [db_name],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_loses_and_doubles_nothing(tmp_path: Path) -> None:
    office = factories.office("Sweep office")
    first = factories.space(office, name="A", quota=PER_SPACE)
    second = factories.space(office, name="B", quota=PER_SPACE)
    _fill(first, "a", hours_ago=5)
    late = _fill(second, "b", hours_ago=4)
    db_name = connection.settings_dict["NAME"]

    # Hold B's row lock from another connection, as a slow check-in would.
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM offices_space WHERE id = %s FOR UPDATE", [second.pk])
    worker = spawn(
        [sys.executable, "manage.py", "worker", "--interval", "0.2"],
        tmp_path / "worker.log",
        manage_env(database_url()),
    )
    try:
        wait_for(lambda: _forced(first) == PER_SPACE, 60, "the worker to finish space A")
        wait_for(lambda: _waiting_on_a_lock(db_name), 30, "the worker to block inside B")
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
        blocker.rollback()
        blocker.close()

    # The killed transaction is rolled back: B is untouched, its counter still full.
    assert _forced(second) == 0
    assert Space.objects.get(pk=second.pk).in_use == PER_SPACE
    # Time decides, not the worker: a member of B is already refused with a clear code.
    with pytest.raises(DomainError) as refused:
        stay_unlock(member=late[0].member, stay_id=late[0].pk)
    assert refused.value.code == "stay_not_active"

    again = manage("worker", "--once")
    assert again.returncode == 0, again.stderr

    assert _forced(first) == _forced(second) == PER_SPACE
    assert Space.objects.filter(pk__in=[first.pk, second.pk], in_use=0).count() == 2
    forced_rows = AuditEntry.objects.filter(action="stay.forced_out")
    assert forced_rows.count() == 2 * PER_SPACE  # one each: nothing doubled
    assert len(set(forced_rows.values_list("target_id", flat=True))) == 2 * PER_SPACE
    reconcile = manage("reconcile")
    assert reconcile.returncode == 0, reconcile.stderr
    assert "all invariants hold" in reconcile.stdout
    progress(
        f"faults: worker SIGKILLed inside a sweep transaction after {PER_SPACE} of"
        f" {2 * PER_SPACE} forced checkouts; the next round ended the other {PER_SPACE} once"
    )
