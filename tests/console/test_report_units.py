"""Issue 15 item 7: reports and CSV give times on the network's calendar (with the offset) and
name the unit of every figure."""

from datetime import UTC, datetime

import time_machine

from officepass.stays.services import stay_check_in, stay_checkout
from tests import factories
from tests.console.test_reports import read_csv


def test_csv_times_carry_the_network_offset_and_headers_their_units(client, world, settings):
    settings.NETWORK_TIME_ZONE = "Asia/Tokyo"
    person = factories.member("units@example.com", tickets=10)
    # 23:30 UTC on 14 Oct is 08:30 on 15 Oct in Tokyo.
    with time_machine.travel(datetime(2026, 10, 14, 23, 30, tzinfo=UTC), tick=False) as clock:
        stay = stay_check_in(member=person, code=factories.code_for(world.space), minutes=120)
        clock.shift(3600)
        stay_checkout(member=person, stay_id=stay.pk, unlock=False)
    client.force_login(world.staff)
    url = f"/console/reports/offices/{world.office.pk}/stays.csv?month=2026-10"
    row = next(r for r in read_csv(client.get(url)) if r["stay_id"] == str(stay.pk))
    assert row["started_at"] == "2026-10-15T08:30:00+09:00"
    assert row["ended_at"] == "2026-10-15T09:30:00+09:00"
    offices = read_csv(client.get("/console/reports/offices.csv?month=2026-10"))
    assert {"hours_h", "rate_yen_per_ticket", "payout_yen"} <= set(offices[0])
    page = client.get(f"/console/reports/offices/{world.office.pk}/stays/?month=2026-10")
    assert "10/15 08:30" in page.content.decode()
    assert "Asia/Tokyo" in page.content.decode()


def test_pages_follow_the_network_zone_not_the_servers(client, world, settings):
    settings.NETWORK_TIME_ZONE = "America/New_York"
    person = factories.member("ny@example.com", tickets=10)
    with time_machine.travel(datetime(2026, 10, 14, 23, 30, tzinfo=UTC), tick=False) as clock:
        stay = stay_check_in(member=person, code=factories.code_for(world.space), minutes=120)
        clock.shift(3600)
        stay_checkout(member=person, stay_id=stay.pk, unlock=False)
    client.force_login(world.staff)
    page = client.get(f"/console/reports/offices/{world.office.pk}/stays/?month=2026-10")
    assert "10/14 19:30" in page.content.decode()  # EDT, UTC−4
