"""Recovery cancels and refunds a stay only while no unlock of it may have reached the door;
otherwise the member is sent to the help desk and one trouble report is filed."""

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from officepass.core.errors import DomainError
from officepass.locks.models import LockCommand
from officepass.locks.services import lock_command_create
from officepass.offices.models import Space
from officepass.stays.models import Stay
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.services import stay_check_in, stay_unlock
from officepass.support.models import TroubleReport
from officepass.tickets.selectors import balance_of
from tests import factories as f

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def stay_after_a_jammed_unlock() -> Stay:
    space = f.space(lock_settings={"mode": "jammed"})
    stay = stay_check_in(member=f.member(tickets=5), code=f.code_for(space), minutes=240)
    with pytest.raises(DomainError, match="lock_unavailable"):
        stay_unlock(member=stay.member, stay_id=stay.pk)
    return stay


def set_lock(stay: Stay, mode: str) -> None:
    Space.objects.filter(pk=stay.space_id).update(lock_settings={"mode": mode})


def refused(stay: Stay) -> DomainError:
    with pytest.raises(DomainError) as error:
        stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)
    return error.value


def assert_kept_and_reported(stay: Stay, error: DomainError) -> None:
    assert error.code == "recovery_needs_help_desk"
    assert error.extra["help_desk_phone"] == "03-0000-0000"
    report = TroubleReport.objects.get(stay=stay)
    assert error.extra["trouble_report_id"] == report.pk and report.kind == "entry_unlock"
    assert "help desk" in report.message
    assert Stay.objects.get(pk=stay.pk).status == Stay.Status.ACTIVE
    assert balance_of(stay.member) == 3  # nothing refunded


@time_machine.travel(MORNING, tick=False)
def test_after_an_unlock_answered_accepted_the_member_is_sent_to_the_help_desk(
    django_capture_on_commit_callbacks: Any,
) -> None:
    stay = stay_after_a_jammed_unlock()
    set_lock(stay, "silent")  # takes the command, never confirms
    assert stay_unlock(member=stay.member, stay_id=stay.pk)[0] == "accepted"
    with django_capture_on_commit_callbacks(execute=True) as mails:
        error = refused(stay)
    assert_kept_and_reported(stay, error)
    assert len(mails) == 1  # the secretariat's e-mail, after commit
    assert refused(stay).extra["trouble_report_id"] == error.extra["trouble_report_id"]
    assert TroubleReport.objects.count() == 1  # one report however often the member taps


@time_machine.travel(MORNING, tick=False)
def test_while_an_unlock_is_in_flight_the_member_is_sent_to_the_help_desk() -> None:
    stay = stay_after_a_jammed_unlock()
    lock_command_create(member=stay.member, space=stay.space, stay=stay, purpose="unlock")
    assert_kept_and_reported(stay, refused(stay))


@time_machine.travel(MORNING, tick=False)
def test_a_failure_after_sending_counts_as_a_door_that_may_have_opened() -> None:
    stay = stay_after_a_jammed_unlock()
    LockCommand.objects.filter(stay=stay).update(error_code="timeout_after_send")
    assert_kept_and_reported(stay, refused(stay))


@time_machine.travel(MORNING, tick=False)
def test_unlocks_that_failed_or_expired_leave_recovery_open() -> None:
    stay = stay_after_a_jammed_unlock()
    LockCommand.objects.create(
        space=stay.space,
        stay=stay,
        member=stay.member,
        driver="simulator",
        status=LockCommand.Status.EXPIRED,
        created_at=MORNING,
        not_after=MORNING,
    )
    done = stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)
    assert done.refund is not None and done.refund.tickets == 2
    assert done.stay.status == Stay.Status.CANCELLED


@time_machine.travel(MORNING, tick=False)
def test_an_unlock_after_recovery_is_refused_and_never_sent() -> None:
    stay = stay_after_a_jammed_unlock()
    stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)
    set_lock(stay, "normal")
    with pytest.raises(DomainError) as error:
        stay_unlock(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "stay_not_active"
    assert LockCommand.objects.filter(stay=stay).count() == 1  # the jammed one only
