"""Management commands: demo data, door codes, reconcile, the worker."""

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from officepass.accounts.models import User
from officepass.offices.models import Office, Space
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from officepass.tickets.models import TicketAccount
from tests import factories as f

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_demo_builds_the_demo_network_and_is_idempotent():
    run("load_demo")
    counts = (Office.objects.count(), Space.objects.count(), User.objects.count())
    run("load_demo")
    assert (Office.objects.count(), Space.objects.count(), User.objects.count()) == counts
    assert counts[0] == 20
    assert set(Space.objects.values_list("quota", flat=True)) == {2}
    assert Office.objects.filter(unit_minutes=240).count() == 1
    assert Office.objects.exclude(opening_hours__mon=["00:00", "24:00"]).count() == 1
    balances = dict(TicketAccount.objects.values_list("member__email", "balance"))
    assert balances["basic@example.com"] == 10 and balances["lowbalance@example.com"] == 1
    assert User.objects.filter(email__startswith="member", plan__postpaid=True).count() == 50
    assert User.objects.get(email="admin@example.com").is_staff
    assert User.objects.get(email="operator@example.com").operator is not None
    assert User.objects.get(email="corp@example.com").check_password("demo-pass-2026")


def test_checkin_codes_prints_one_tab_separated_line_per_space_with_a_working_url(client):
    space = f.space(f.office("Ryogoku"), name="BOX席", seat_type="box")
    lines = run("checkin_codes").strip().splitlines()
    assert len(lines) == 1
    office_id, office_name, space_id, space_name, seat_type, url = lines[0].split("\t")
    assert (office_name, space_name, seat_type) == ("Ryogoku", "BOX席", "box")
    assert (int(office_id), int(space_id)) == (space.office_id, space.pk)
    code = url.rsplit("/c/", 1)[1]
    assert client.get(f"/api/v1/checkin-codes/{code}").json()["space"]["id"] == space.pk
    # The URL goes through sign-in to the check-in screen for that space.
    assert unquote(client.get(f"/c/{code}")["Location"]) == f"/signin?next=/c/{code}"
    client.force_login(f.member())
    assert client.get(f"/c/{code}").status_code == 200


def test_reconcile_passes_on_a_healthy_database_and_fails_on_a_breach():
    with time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=False):
        stay = stay_check_in(member=f.member(), code=f.code_for(f.space()), minutes=120)
    assert "all invariants hold" in run("reconcile")
    Space.objects.filter(pk=stay.space_id).update(in_use=0)
    with pytest.raises(CommandError, match="breach"):
        run("reconcile")


def test_reconcile_notices_two_active_stays_for_one_member():
    with time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=False):
        stay = stay_check_in(member=f.member(), code=f.code_for(f.space()), minutes=120)
    Stay.objects.filter(pk=stay.pk).update(status="checked_out", ended_at=stay.started_at)
    Space.objects.filter(pk=stay.space_id).update(in_use=0)
    assert "all invariants hold" in run("reconcile")
    Stay.objects.filter(pk=stay.pk).update(ended_at=None)
    with pytest.raises(CommandError):
        run("reconcile")


def test_the_worker_once_finalizes_expired_stays():
    with time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=False):
        stay = stay_check_in(member=f.member(), code=f.code_for(f.space()), minutes=120)
    with time_machine.travel(stay.deadline + timedelta(seconds=1), tick=False):
        out = run("worker", "--once")
    assert "worker stopped" in out
    stay.refresh_from_db()
    assert stay.status == "forced_out"
