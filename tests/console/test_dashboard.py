"""The console home is a live dashboard of one's own tenancy: occupancy now, locks offline or
jammed with last seen and the failing command, open trouble reports, today's check-ins and
forced checkouts; the office list shows occupancy and lock health. Nothing of another
operator shows."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from officepass.locks.health import lock_health_report
from officepass.locks.models import LockCommand
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in, stays_finalize_expired
from tests import factories

TOKYO = ZoneInfo("Asia/Tokyo")


def test_the_home_shows_the_operators_live_figures_and_nothing_of_others(client, world):
    now = datetime.now(UTC)
    lock_health_report(space_id=world.space.pk, online=True, state="jammed")
    LockCommand.objects.create(
        space=world.space,
        purpose="unlock",
        driver="fake",
        status=LockCommand.Status.FAILED,
        created_at=now - timedelta(minutes=3),
        not_after=now,
        error_code="jammed",
    )
    bravo = world.other_staff.operator.offices.get().spaces.get()
    lock_health_report(space_id=bravo.pk, online=False)
    late = factories.member("late@example.com", tickets=10)
    with time_machine.travel(now - timedelta(hours=2, minutes=1), tick=False):
        stay_check_in(member=late, code=factories.code_for(world.space), minutes=120)
    stays_finalize_expired()

    client.force_login(world.staff)
    page = client.get("/console/").content.decode()
    board = client.get("/console/").context["board"]
    assert board["occupancy"]["seats_in_use"] == 1 and board["occupancy"]["seats"] == 2
    assert board["locks"]["count"] == 1
    jammed = board["locks"]["rows"][0]
    assert jammed.space_id == world.space.pk and jammed.failed_error == "jammed"
    assert board["troubles"]["count"] == 1
    today_start = datetime.now(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
    expected_checkins = 1 + (now - timedelta(hours=2, minutes=1) >= today_start)
    assert board["today"]["checkins"] == expected_checkins
    forced = Stay.objects.get(member=late)
    assert board["today"]["forced_count"] == (forced.ended_at >= today_start)
    assert forced.status == Stay.Status.FORCED_OUT
    assert "ALPHA-SPACE" in page and "BRAVO" not in page

    offices = client.get("/console/offices/")
    row = offices.context["page"].object_list[0]
    assert (row.seats_in_use, row.seats, row.locks_down) == (1, 2, 1)
    assert "BRAVO" not in offices.content.decode()


def test_a_company_admin_sees_the_employees_card_only(client, world):
    client.force_login(world.admin)
    response = client.get("/console/")
    assert response.context["company"]["in_now"] == 1  # the world's employee
    assert "board" not in response.context
