"""Reports equal the ledger: a month of real stays (check-in, extension, checkout, forced
checkout, refund, recovery) at two operators, then every figure is recomputed from the ledger
and the stays and compared, table by table and in the CSV exports."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from officepass.console import reports
from officepass.console.access import offices_visible
from officepass.core.errors import DomainError
from officepass.offices.models import Office
from officepass.stays.models import Stay
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.services import (
    stay_check_in,
    stay_checkout,
    stay_extend,
    stay_force_checkout,
    stay_unlock,
    stays_finalize_expired,
)
from officepass.tickets.models import LedgerEntry
from tests import factories

TOKYO = ZoneInfo("Asia/Tokyo")
MONTH = reports.Month(2026, 10)


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


def jam(space, mode):
    space.lock_settings = {"mode": mode}
    space.save(update_fields=["lock_settings"])


@pytest.fixture
def month_of_stays(world):
    """Stays at ALPHA and BRAVO in October 2026 (Tokyo), plus one on each side of it."""
    alpha, bravo = world.space, Office.objects.get(name="BRAVO-OFFICE").spaces.get()
    people = [factories.member(f"p{i}@example.com", tickets=60) for i in range(3)]
    people.append(world.employee)
    # The fixture's stay started today (not in October 2026): end it first.
    stay_force_checkout(actor=world.staff, stay_id=world.stay.pk, reason="test")
    with time_machine.travel(at(1, 9), tick=False) as clock:
        for day in range(1, 29, 3):
            for index, person in enumerate(people):
                space = alpha if (day + index) % 2 else bravo
                clock.move_to(at(day, 8 + 3 * index))
                stay = stay_check_in(member=person, code=factories.code_for(space), minutes=240)
                if index == 0:  # extends: 2 more tickets, then leaves early
                    clock.shift(timedelta(minutes=230))
                    stay_extend(member=person, stay_id=stay.pk, minutes=120)
                if index == 1:  # forgets to check out: forced out at the deadline
                    clock.shift(timedelta(minutes=241))
                    stays_finalize_expired()
                    continue
                if index == 2 and day == 4:  # door never opened: cancelled and refunded
                    jam(space, "jammed")
                    clock.shift(timedelta(minutes=5))
                    with pytest.raises(DomainError):
                        stay_unlock(member=person, stay_id=stay.pk)
                    stay_recover_failed_entry(member=person, stay_id=stay.pk)
                    jam(space, "normal")
                    continue
                clock.shift(timedelta(minutes=95))
                stay_checkout(member=person, stay_id=stay.pk, unlock=False)
        for when in (at(30, 23, month=9), at(31, 23), at(1, 0, month=11)):
            clock.move_to(when)
            stay = stay_check_in(member=people[3], code=factories.code_for(alpha), minutes=120)
            clock.shift(timedelta(minutes=61))
            stay_checkout(member=people[3], stay_id=stay.pk, unlock=False)
    return world


def ledger_figures(**filters):
    """What the ledger and the stays say, computed row by row in Python."""
    stays = [s for s in Stay.objects.filter(**filters) if MONTH.start <= s.started_at < MONTH.end]
    tickets = -sum(
        e.tickets
        for e in LedgerEntry.objects.filter(stay__in=stays)
        if e.kind in ("consume", "refund")
    )
    kept = [s for s in stays if s.status != "cancelled"]
    seconds = sum(
        (min(s.ended_at or s.deadline, s.deadline) - s.started_at).total_seconds() for s in kept
    )
    return {"checkins": len(kept), "tickets": tickets, "hours": round(seconds / 3600, 2)}


def test_every_office_line_equals_the_ledger(month_of_stays, world):
    lines = reports.office_table(offices_visible(world.secretariat), MONTH)
    assert len(lines) == 2
    for line in lines:
        expected = ledger_figures(office=line["office"])
        assert {k: line[k] for k in expected} == expected
        assert line["payout"] == expected["tickets"] * line["office"].operator.payout_per_ticket
        assert expected["checkins"] > 5 and expected["tickets"] > 10
    whole = reports.totals(lines)
    assert whole["tickets"] == ledger_figures()["tickets"]
    assert whole["checkins"] == ledger_figures()["checkins"]
    assert Stay.objects.filter(status="cancelled").exists()
    assert LedgerEntry.objects.filter(kind="refund").exists()


def test_a_staff_refund_lowers_the_payout_line_by_exactly_its_tickets(
    client, month_of_stays, world
):
    before = reports.office_table(offices_visible(world.staff), MONTH)[0]
    stay = reports.stays_in(MONTH, office=world.office, status="checked_out").first()
    client.force_login(world.staff)
    client.post(
        f"/console/stays/{stay.pk}/refund/",
        {"tickets": 1, "reason": "aircon broken", "confirm": "on"},
    )
    after = reports.office_table(offices_visible(world.staff), MONTH)[0]
    assert after["tickets"] == before["tickets"] - 1
    assert after["payout"] == before["payout"] - 500
    assert after["tickets"] == ledger_figures(office=world.office)["tickets"]
    too_many = client.post(
        f"/console/stays/{stay.pk}/refund/", {"tickets": 99, "reason": "x", "confirm": "on"}
    )
    assert too_many.status_code == 302
    assert (
        reports.office_table(offices_visible(world.staff), MONTH)[0]["tickets"] == after["tickets"]
    )


def test_days_and_hours_add_up_to_the_month(month_of_stays, world):
    days = reports.daily(MONTH, office=world.office)
    grid = reports.heatmap(MONTH, office=world.office)
    expected = ledger_figures(office=world.office)
    assert len(days) == 31
    assert sum(d["checkins"] for d in days) == expected["checkins"]
    # Each day is rounded to 0.01 h: the sum of 31 days may differ by that much per day.
    assert sum(d["hours"] for d in days) == pytest.approx(expected["hours"], abs=0.01 * 31)
    assert sum(map(sum, grid)) == expected["checkins"]
    assert days[30]["checkins"] == 1  # 31 Oct 23:00 Tokyo belongs to October
    # The pages read both from UTC hour buckets: the same figures as the per-row local path.
    assert reports.day_and_hour(MONTH, office=world.office) == (days, grid)
    assert reports.day_and_hour(MONTH)[1] == reports.heatmap(MONTH)
    assert grid != [[0] * 24 for _ in range(7)]


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_exports_carry_the_same_figures(client, month_of_stays, world):
    client.force_login(world.secretariat)
    rows = read_csv(client.get("/console/reports/offices.csv?month=2026-10"))
    for row in rows:
        expected = ledger_figures(office_id=int(row["office_id"]))
        assert int(row["tickets"]) == expected["tickets"]
        assert int(row["checkins"]) == expected["checkins"]
    stays = read_csv(
        client.get(f"/console/reports/offices/{world.office.pk}/stays.csv?month=2026-10")
    )
    assert (
        sum(int(r["net_tickets"]) for r in stays) == ledger_figures(office=world.office)["tickets"]
    )
    page = client.get(f"/console/reports/offices/{world.office.pk}/stays/?month=2026-10")
    assert page.content.decode().count("/console/stays/") == len(stays)


def test_the_company_report_equals_its_employees_ledger(client, month_of_stays, world):
    client.force_login(world.admin)
    rows = read_csv(client.get(f"/console/companies/{world.company.pk}/usage.csv?month=2026-10"))
    by_email = {r["email"]: r for r in rows}
    assert set(by_email) == {world.employee.email, world.admin.email}  # nobody else's staff
    expected = ledger_figures(member=world.employee)
    row = by_email[world.employee.email]
    assert int(row["tickets"]) == expected["tickets"] and expected["tickets"] > 0
    assert int(row["checkins"]) == expected["checkins"]
    assert int(by_email[world.admin.email]["tickets"]) == 0


def test_a_bad_month_falls_back_with_a_message_not_an_error(client, world):
    client.force_login(world.secretariat)
    assert client.get("/console/reports/?month=2026-13").status_code == 200
    assert client.get("/console/reports/?month=garbage").status_code == 200
