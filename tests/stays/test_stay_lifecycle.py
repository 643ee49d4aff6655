"""Extension, unlock, checkout and forced checkout (docs/rules.md, rules 6–10)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.core.registry import tick
from officepass.locks.models import LockCommand
from officepass.stays.models import Stay
from officepass.stays.services import (
    stay_check_in,
    stay_checkout,
    stay_extend,
    stay_force_checkout,
    stay_unlock,
)
from officepass.stays.tasks import reminders_send
from tests import factories as f

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 Tokyo


def balance(member):
    member.ticket_account.refresh_from_db()
    return member.ticket_account.balance


def in_use(space):
    space.refresh_from_db()
    return space.in_use


@pytest.fixture
def stay(db):
    with time_machine.travel(MORNING, tick=False):
        space = f.space(f.office(unit_minutes=120))
        return stay_check_in(member=f.member(tickets=10), code=f.code_for(space), minutes=240)


def at(delta: timedelta):
    return time_machine.travel(MORNING + delta, tick=False)


def test_extension_is_refused_before_fifteen_minutes_to_the_deadline(stay):
    with at(timedelta(hours=3, minutes=44)), pytest.raises(DomainError) as error:
        stay_extend(member=stay.member, stay_id=stay.pk, minutes=120)
    assert error.value.code == "extension_not_open"


def test_extension_opens_fifteen_minutes_before_the_deadline_and_charges_as_chosen(stay):
    with at(timedelta(hours=3, minutes=45)):
        extended = stay_extend(member=stay.member, stay_id=stay.pk, minutes=120)
    assert extended.deadline == MORNING + timedelta(hours=6)
    assert extended.tickets_consumed == 3
    assert balance(stay.member) == 7
    assert AuditEntry.objects.filter(action="stay.extend", target_id=str(stay.pk)).exists()


def test_the_extension_window_is_an_office_setting(db):
    with time_machine.travel(MORNING, tick=False):
        space = f.space(f.office(extension_window_minutes=30))
        stay = stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)
    assert stay.extension_opens_at == MORNING + timedelta(minutes=90)
    with at(timedelta(minutes=91)):
        assert stay_extend(member=stay.member, stay_id=stay.pk, minutes=120).extensions == 1


def test_extension_is_refused_at_the_deadline(stay):
    with at(timedelta(hours=4)), pytest.raises(DomainError) as error:
        stay_extend(member=stay.member, stay_id=stay.pk, minutes=120)
    assert error.value.code == "stay_not_active"


def test_a_basic_plan_cannot_extend_without_tickets(db):
    with time_machine.travel(MORNING, tick=False):
        member = f.member(tickets=1)
        stay = stay_check_in(member=member, code=f.code_for(f.space()), minutes=120)
    with at(timedelta(minutes=110)), pytest.raises(DomainError) as error:
        stay_extend(member=member, stay_id=stay.pk, minutes=120)
    assert error.value.code == "insufficient_tickets"
    stay.refresh_from_db()
    assert stay.deadline == MORNING + timedelta(hours=2)


def test_a_corporate_member_extends_without_balance_and_the_use_is_recorded(db):
    with time_machine.travel(MORNING, tick=False):
        member = f.corporate_member()
        stay = stay_check_in(member=member, code=f.code_for(f.space()), minutes=120)
    with at(timedelta(minutes=110)):
        stay_extend(member=member, stay_id=stay.pk, minutes=240)
    assert balance(member) == -3
    assert stay.ledger_entries.count() == 2


def test_extension_never_runs_past_closing_time(db):
    hours = {d: ["08:00", "22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 18:00 Tokyo
    with time_machine.travel(start, tick=False):
        stay = stay_check_in(
            member=f.member(), code=f.code_for(f.space(f.office(opening_hours=hours))), minutes=120
        )
    with time_machine.travel(start + timedelta(minutes=110), tick=False):
        with pytest.raises(DomainError) as error:
            stay_extend(member=stay.member, stay_id=stay.pk, minutes=240)
        assert error.value.code == "office_closing"
        assert stay_extend(member=stay.member, stay_id=stay.pk, minutes=120).deadline == (
            datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
        )


def test_unlock_opens_the_door_of_the_members_own_active_stay_and_is_audited(stay):
    with at(timedelta(hours=1)):
        result, _ = stay_unlock(member=stay.member, stay_id=stay.pk)
    assert result == "unlocked"
    command = LockCommand.objects.get(stay=stay)
    assert command.status == "confirmed" and command.space_id == stay.space_id
    assert command.latency_ms is not None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"lock.unlock_requested", "lock.unlock_confirmed"} <= actions


def test_nobody_can_unlock_someone_elses_stay(stay):
    stranger = f.member("stranger@x.jp")
    with at(timedelta(hours=1)), pytest.raises(DomainError) as error:
        stay_unlock(member=stranger, stay_id=stay.pk)
    assert error.value.code == "not_found"
    assert not LockCommand.objects.exists()


def test_unlock_is_refused_at_and_after_the_deadline_and_the_refusal_is_audited(stay):
    with at(timedelta(hours=4)), pytest.raises(DomainError) as error:
        stay_unlock(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "stay_not_active"
    assert not LockCommand.objects.exists()
    assert AuditEntry.objects.filter(action="lock.unlock_refused").count() == 1


def test_a_failed_unlock_says_lock_unavailable_with_nearby_offices(stay):
    stay.space.lock_settings = {"mode": "jammed"}
    stay.space.save(update_fields=["lock_settings"])
    with at(timedelta(hours=1)), pytest.raises(DomainError) as error:
        stay_unlock(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "lock_unavailable"
    assert "nearby" in error.value.extra
    assert LockCommand.objects.get().status == "failed"
    assert AuditEntry.objects.filter(action="lock.unlock_failed").exists()


def test_checkout_frees_the_seat_at_once_and_ends_the_right_to_unlock(stay):
    assert in_use(stay.space) == 1
    with at(timedelta(hours=1)):
        ended, command = stay_checkout(member=stay.member, stay_id=stay.pk, unlock=True)
        assert ended.status == "checked_out"
        assert command is not None and command.purpose == "exit" and command.status == "confirmed"
        assert in_use(stay.space) == 0
        with pytest.raises(DomainError) as error:
            stay_unlock(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "stay_not_active"


def test_checkout_keeps_the_tickets_as_chosen(stay):
    with at(timedelta(minutes=30)):
        stay_checkout(member=stay.member, stay_id=stay.pk)
    assert balance(stay.member) == 8


def test_checkout_after_the_deadline_is_refused(stay):
    with at(timedelta(hours=4, seconds=1)), pytest.raises(DomainError) as error:
        stay_checkout(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "stay_not_active"


def test_the_worker_records_a_forced_checkout_and_frees_the_seat(stay):
    with at(timedelta(hours=3, minutes=59)):
        assert tick()["forced_out"] == 0
    with at(timedelta(hours=4, seconds=1)):
        assert tick()["forced_out"] == 1
        assert tick()["forced_out"] == 0
    stay.refresh_from_db()
    assert stay.status == "forced_out" and stay.ended_at == stay.deadline
    assert in_use(stay.space) == 0
    assert AuditEntry.objects.filter(action="stay.forced_out", target_id=str(stay.pk)).exists()


def test_staff_can_force_a_checkout(stay):
    staff = f.member("staff@x.jp")
    with at(timedelta(hours=1)):
        stay_force_checkout(actor=staff, stay_id=stay.pk, reason="left without checkout")
        with pytest.raises(DomainError):
            stay_force_checkout(actor=staff, stay_id=stay.pk, reason="twice")
    stay.refresh_from_db()
    assert stay.status == Stay.Status.FORCED_OUT and in_use(stay.space) == 0


def test_the_reminder_goes_out_once_when_extension_opens(stay, django_capture_on_commit_callbacks):
    # The e-mail (or push) is sent by the notifications app: tests/notifications.
    with at(timedelta(hours=3, minutes=44)):
        assert reminders_send() == 0
    with at(timedelta(hours=3, minutes=46)):
        with django_capture_on_commit_callbacks(execute=True):
            assert reminders_send() == 1
        assert reminders_send() == 0
    with at(timedelta(hours=3, minutes=50)):
        stay_extend(member=stay.member, stay_id=stay.pk, minutes=120)
    with at(timedelta(hours=5, minutes=46)):
        assert reminders_send() == 1  # again for the new deadline


def test_the_refusal_names_the_offices_own_extension_window(db):
    with time_machine.travel(MORNING, tick=False):
        space = f.space(f.office(unit_minutes=120, extension_window_minutes=30))
        stay = stay_check_in(member=f.member(tickets=10), code=f.code_for(space), minutes=240)
    with at(timedelta(hours=3)), pytest.raises(DomainError) as error:
        stay_extend(member=stay.member, stay_id=stay.pk, minutes=120)
    assert error.value.code == "extension_not_open"
    with translation.override("en"):
        assert "30 minutes" in str(error.value.message)
    with translation.override("ja"):
        assert "30分前" in str(error.value.message)
