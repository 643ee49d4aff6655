"""Check-in rules (docs/rules.md, rules 1–5, 14) through the service layer."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.core.registry import tick
from officepass.offices.models import Space
from officepass.stays import services
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from officepass.tickets.models import LedgerEntry
from tests import factories as f

pytestmark = pytest.mark.django_db
# 10:00 in Tokyo on a Tuesday
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def balance(member):
    member.ticket_account.refresh_from_db()
    return member.ticket_account.balance


def code_of(error: pytest.ExceptionInfo[DomainError]) -> str:
    return error.value.code


@time_machine.travel(MORNING, tick=False)
def test_it_charges_two_tickets_for_four_hours_at_a_two_hour_office():
    space = f.space(f.office(unit_minutes=120))
    member = f.member(tickets=10)
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=240)
    assert stay.tickets_consumed == 2
    assert stay.deadline == MORNING + timedelta(hours=4)
    assert balance(member) == 8
    entry = LedgerEntry.objects.get(stay=stay)
    assert (entry.kind, entry.tickets, entry.balance_after) == ("consume", -2, 8)


@time_machine.travel(MORNING, tick=False)
def test_it_charges_one_ticket_for_four_hours_at_a_four_hour_office():
    space = f.space(f.office(unit_minutes=240))
    member = f.member(tickets=10)
    assert stay_check_in(member=member, code=f.code_for(space), minutes=240).tickets_consumed == 1


@time_machine.travel(MORNING, tick=False)
def test_it_counts_tickets_as_chosen_not_as_used():
    space = f.space(f.office(unit_minutes=120, step_minutes=60))
    member = f.member(tickets=10)
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=180)
    assert stay.tickets_consumed == 2  # ceil(180 / 120)


@time_machine.travel(MORNING, tick=False)
@pytest.mark.parametrize("minutes", [0, 60, 130, 600])
def test_it_refuses_durations_off_the_step_or_over_the_maximum(minutes):
    space = f.space(f.office(unit_minutes=120, max_stay_minutes=480))
    with pytest.raises(DomainError) as error:
        stay_check_in(member=f.member(), code=f.code_for(space), minutes=minutes)
    assert code_of(error) == "invalid_duration"


@time_machine.travel(datetime(2026, 11, 24, 11, 0, tzinfo=UTC), tick=False)  # 20:00 Tokyo
def test_it_refuses_a_stay_past_closing_time():
    hours = {d: ["08:00", "22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    space = f.space(f.office(opening_hours=hours))
    member = f.member()
    with pytest.raises(DomainError) as error:
        stay_check_in(member=member, code=f.code_for(space), minutes=240)
    assert code_of(error) == "invalid_duration"
    assert "closes_at" in error.value.extra
    assert stay_check_in(member=member, code=f.code_for(space), minutes=120)


@time_machine.travel(datetime(2026, 11, 24, 14, 0, tzinfo=UTC), tick=False)  # 23:00 Tokyo
def test_it_refuses_check_in_when_the_office_is_closed():
    hours = {d: ["08:00", "22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    space = f.space(f.office(opening_hours=hours))
    member = f.member(tickets=5)
    with pytest.raises(DomainError) as error:
        stay_check_in(member=member, code=f.code_for(space), minutes=120)
    assert code_of(error) == "office_closed"
    assert balance(member) == 5


@time_machine.travel(MORNING, tick=False)
def test_it_refuses_a_closed_day():
    space = f.space(f.office(closed_dates=["2026-11-24"]))
    with pytest.raises(DomainError) as error:
        stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)
    assert code_of(error) == "office_closed"


@time_machine.travel(datetime(2026, 11, 24, 14, 0, tzinfo=UTC), tick=False)  # 23:00 Tokyo
def test_it_lets_a_stay_cross_midnight_at_a_24_hour_office():
    space = f.space(f.office())
    stay = stay_check_in(member=f.member(), code=f.code_for(space), minutes=480)
    assert stay.deadline == datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


@time_machine.travel(MORNING, tick=False)
def test_it_refuses_a_third_member_into_a_space_with_quota_two():
    space = f.space(quota=2)
    stay_check_in(member=f.member("a@x.jp"), code=f.code_for(space), minutes=120)
    stay_check_in(member=f.member("b@x.jp"), code=f.code_for(space), minutes=120)
    third = f.member("c@x.jp", tickets=3)
    with pytest.raises(DomainError) as error:
        stay_check_in(member=third, code=f.code_for(space), minutes=120)
    assert code_of(error) == "space_full"
    assert balance(third) == 3
    space.refresh_from_db()
    assert space.in_use == 2


@time_machine.travel(MORNING, tick=False)
def test_space_full_offers_nearby_offices_with_a_free_seat_of_the_same_type():
    full = f.space(f.office("Full"), quota=1)
    other = f.office("Near", lat=35.69, lng=139.77)
    f.space(other, seat_type="open")
    f.space(f.office("Booth only", lat=35.681, lng=139.761), seat_type="booth")
    stay_check_in(member=f.member("a@x.jp"), code=f.code_for(full), minutes=120)
    with pytest.raises(DomainError) as error:
        stay_check_in(member=f.member("b@x.jp"), code=f.code_for(full), minutes=120)
    assert [o["name"] for o in error.value.extra["nearby"]] == ["Near"]


@time_machine.travel(MORNING, tick=False)
def test_it_keeps_codes_and_availability_separate_per_space():
    office = f.office()
    open_seats = f.space(office, name="Open", seat_type="open", quota=1)
    box = f.space(office, name="Box", seat_type="box", quota=1)
    stay = stay_check_in(member=f.member("a@x.jp"), code=f.code_for(box), minutes=120)
    assert stay.space == box
    open_seats.refresh_from_db()
    box.refresh_from_db()
    assert (open_seats.in_use, box.in_use) == (0, 1)


@time_machine.travel(MORNING, tick=False)
def test_it_allows_one_active_stay_per_member():
    office = f.office()
    member = f.member()
    stay_check_in(member=member, code=f.code_for(f.space(office, name="A")), minutes=120)
    with pytest.raises(DomainError) as error:
        stay_check_in(member=member, code=f.code_for(f.space(office, name="B")), minutes=120)
    assert code_of(error) == "already_checked_in"
    assert balance(member) == 9


@time_machine.travel(MORNING, tick=False)
def test_it_refuses_insufficient_tickets_before_taking_a_seat():
    space = f.space()
    member = f.member(tickets=1)
    with pytest.raises(DomainError) as error:
        stay_check_in(member=member, code=f.code_for(space), minutes=240)
    assert code_of(error) == "insufficient_tickets"
    space.refresh_from_db()
    assert space.in_use == 0 and not Stay.objects.exists()


@time_machine.travel(MORNING, tick=False)
def test_a_corporate_postpaid_member_needs_no_balance_but_every_use_is_recorded():
    space = f.space()
    member = f.corporate_member()
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=480)
    entry = LedgerEntry.objects.get(stay=stay)
    assert (entry.kind, entry.tickets) == ("consume", -4)
    assert balance(member) == -4


@time_machine.travel(MORNING, tick=False)
@pytest.mark.parametrize("bad", ["", "nonsense", "eyJzIjoxLCJ2IjoxfQ:forged", "x" * 500])
def test_it_refuses_a_forged_or_garbled_code(bad):
    f.space()
    with pytest.raises(DomainError) as error:
        stay_check_in(member=f.member(), code=bad, minutes=120)
    assert code_of(error) == "invalid_code"


@time_machine.travel(MORNING, tick=False)
def test_a_reissued_code_makes_the_old_one_invalid():
    space = f.space()
    old = f.code_for(space)
    Space.objects.filter(pk=space.pk).update(code_version=2)
    with pytest.raises(DomainError) as error:
        stay_check_in(member=f.member(), code=old, minutes=120)
    assert code_of(error) == "invalid_code"
    assert stay_check_in(member=f.member("n@x.jp"), code=f.code_for(space), minutes=120)


def test_a_full_space_first_frees_stays_whose_deadline_passed():
    space = f.space(quota=1)
    with time_machine.travel(MORNING, tick=False):
        first = stay_check_in(member=f.member("a@x.jp"), code=f.code_for(space), minutes=120)
    with time_machine.travel(MORNING + timedelta(hours=2), tick=False):  # worker has not run
        second = stay_check_in(member=f.member("b@x.jp"), code=f.code_for(space), minutes=120)
    first.refresh_from_db()
    assert first.status == "forced_out" and first.ended_at == first.deadline
    assert second.status == "active"
    space.refresh_from_db()
    assert space.in_use == 1


def test_a_member_whose_last_stay_expired_can_check_in_again_before_the_worker_runs():
    member = f.member()
    with time_machine.travel(MORNING, tick=False):
        stay_check_in(member=member, code=f.code_for(f.space(name="A")), minutes=120)
    with time_machine.travel(MORNING + timedelta(hours=3), tick=False):
        stay = stay_check_in(member=member, code=f.code_for(f.space(name="B")), minutes=120)
    assert stay.status == "active"
    assert Stay.objects.filter(member=member, status="forced_out").count() == 1


def test_a_full_space_whose_expired_stay_someone_else_ended_meanwhile_is_not_called_full(
    monkeypatch,
):
    """The refusal came from a stay past its deadline; before this check-in looked for it,
    another (the stay's member checking in elsewhere, the worker) ended it: the seat is free, so
    the check-in tries again instead of answering space_full (a race seen under load)."""
    space = f.space(quota=1)
    other = f.member("a@x.jp")
    with time_machine.travel(MORNING, tick=False):
        stay_check_in(member=other, code=f.code_for(space), minutes=120)
    real = services.stays_finalize_expired

    def others_first(**where):
        if "space_id" in where:
            assert real(member_id=other.pk) == 1  # the other side of the race, just before us
        return real(**where)

    monkeypatch.setattr(services, "stays_finalize_expired", others_first)
    with time_machine.travel(MORNING + timedelta(hours=2), tick=False):
        stay = stay_check_in(member=f.member("b@x.jp"), code=f.code_for(space), minutes=120)
    assert stay.status == "active"
    space.refresh_from_db()
    assert space.in_use == 1


def test_a_member_whose_expired_stay_someone_else_ended_meanwhile_is_not_already_checked_in(
    monkeypatch,
):
    member = f.member()
    first_space = f.space(name="A")
    with time_machine.travel(MORNING, tick=False):
        stay_check_in(member=member, code=f.code_for(first_space), minutes=120)
    real = services.stays_finalize_expired

    def others_first(**where):
        if "member_id" in where:
            assert real(space_id=first_space.pk) == 1  # e.g. a check-in into that full space
        return real(**where)

    monkeypatch.setattr(services, "stays_finalize_expired", others_first)
    with time_machine.travel(MORNING + timedelta(hours=3), tick=False):
        stay = stay_check_in(member=member, code=f.code_for(f.space(name="B")), minutes=120)
    assert stay.status == "active"
    assert Stay.objects.filter(member=member, status="forced_out").count() == 1


@time_machine.travel(MORNING, tick=False)
def test_check_in_writes_an_audit_row_in_the_same_transaction():
    stay = stay_check_in(member=f.member(), code=f.code_for(f.space()), minutes=120)
    row = AuditEntry.objects.get(action="stay.check_in")
    assert row.target_id == str(stay.pk) and row.data["tickets"] == 1


@time_machine.travel(MORNING, tick=False)
def test_it_refuses_check_in_when_the_lock_is_offline_before_taking_tickets():
    space = f.space(lock_settings={"mode": "offline"})
    member = f.member(tickets=4)
    with pytest.raises(DomainError) as error:
        stay_check_in(member=member, code=f.code_for(space), minutes=120)
    assert code_of(error) == "lock_unavailable"
    assert balance(member) == 4
    assert tick()["forced_out"] == 0
