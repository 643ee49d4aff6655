"""Issue 18: on PostgreSQL a check-in's six writes are one statement (stays/one_statement.py).

It must write what the steps write, row for row, refuse what they refuse, and keep its guards:
each guard's control takes it out and the invariant breaks.
"""

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.stays import one_statement
from officepass.stays.models import AvailabilityChange, Stay
from officepass.stays.services import stay_check_in
from officepass.tickets.models import LedgerEntry, TicketAccount
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres"), pytest.mark.django_db]

AT = datetime(2026, 11, 24, 1, tzinfo=UTC)
# The ids that differ between the two check-ins (each has its own member and space).
SKIP = {"id", "member_id", "space_id", "stay_id", "target_id", "actor_id", "actor_label"}


def _rows(stay: Stay) -> dict[str, Any]:
    """Every row a check-in wrote, field by field, without the ids that differ between runs."""

    def fields(obj: Any) -> dict[str, Any]:
        return {
            field.attname: getattr(obj, field.attname)
            for field in obj._meta.concrete_fields
            if field.attname not in SKIP
        }

    entry = LedgerEntry.objects.get(stay=stay)
    audit = AuditEntry.objects.get(
        action="stay.check_in", target_type="stays.stay", target_id=str(stay.pk)
    )
    assert (audit.actor_id, audit.actor_label) == (stay.member_id, stay.member.email)
    assert audit.data.pop("space") == stay.space_id
    return {
        "stay": fields(stay),
        "entry": fields(entry),
        "change": fields(AvailabilityChange.objects.get(space=stay.space)),
        "audit": fields(audit),
        "seats": type(stay.space).objects.get(pk=stay.space_id).in_use,
        "balance": TicketAccount.objects.get(member=stay.member).balance,
    }


@time_machine.travel(AT, tick=False)
def test_it_writes_what_the_steps_write_row_for_row(settings):
    office = f.office()
    written = {}
    for one in (True, False):
        settings.CHECK_IN_ONE_STATEMENT = one
        space = f.space(office, name="Open")
        member = f.member(f"rows-{one}@example.com", tickets=5)
        code = f.code_for(space)
        with CaptureQueriesContext(connection) as queries:
            stay = stay_check_in(member=member, code=code, minutes=240)
        statement = [q["sql"] for q in queries.captured_queries if "WITH claim AS" in q["sql"]]
        assert len(statement) == (1 if one else 0)
        stay = Stay.objects.get(pk=stay.pk)
        written[one] = _rows(stay)
    assert written[True] == written[False]
    assert written[True]["balance"] == 3 and written[True]["entry"]["balance_after"] == 3
    assert written[True]["seats"] == 1


def assert_a_refused_debit_writes_nothing() -> None:
    """A member short of tickets is refused `insufficient_tickets`, and nothing of the
    check-in stays: no seat, stay, change-log row, audit row or ledger entry."""
    space = f.space(quota=1)
    poor = f.member("poor@example.com", tickets=1)
    with pytest.raises(DomainError) as refused:
        stay_check_in(member=poor, code=f.code_for(space), minutes=240)  # 2 tickets
    assert refused.value.code == "insufficient_tickets"
    space.refresh_from_db()
    assert space.in_use == 0 and not Stay.objects.exists()
    assert not AvailabilityChange.objects.exists()
    assert not AuditEntry.objects.filter(action="stay.check_in").exists()
    assert TicketAccount.objects.get(member=poor).balance == 1
    assert LedgerEntry.objects.filter(member=poor).count() == 1  # the grant only


@time_machine.travel(AT, tick=False)
def test_a_refused_debit_writes_nothing_and_names_the_refusal(settings):
    settings.CHECK_IN_ONE_STATEMENT = True
    assert_a_refused_debit_writes_nothing()


@time_machine.travel(AT, tick=False)
def test_a_postpaid_member_without_an_account_row_checks_in(settings):
    """The statement's debit finds no account row; the steps create it, as before."""
    settings.CHECK_IN_ONE_STATEMENT = True
    member = f.corporate_member()
    TicketAccount.objects.filter(member=member).delete()
    stay = stay_check_in(member=member, code=f.code_for(f.space()), minutes=120)
    assert TicketAccount.objects.get(member=member).balance == -1
    assert LedgerEntry.objects.get(stay=stay).balance_after == -1


@time_machine.travel(AT, tick=False)
def test_each_row_is_announced_as_saved_so_the_stream_nudge_still_fires(settings):
    settings.CHECK_IN_ONE_STATEMENT = True
    seen: list[tuple[str, int]] = []

    def saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        if created:
            seen.append((sender.__name__, instance.pk))

    post_save.connect(saved, dispatch_uid="one-statement-test")
    try:
        stay = stay_check_in(member=f.member(), code=f.code_for(f.space()), minutes=120)
    finally:
        post_save.disconnect(dispatch_uid="one-statement-test")
    change = AvailabilityChange.objects.get(space=stay.space)
    assert ("Stay", stay.pk) in seen and ("AvailabilityChange", change.pk) in seen
    assert ("LedgerEntry", LedgerEntry.objects.get(stay=stay).pk) in seen


@time_machine.travel(AT, tick=False)
def test_a_full_space_is_refused_without_a_write(settings):
    settings.CHECK_IN_ONE_STATEMENT = True
    space = f.space(quota=1)
    code = f.code_for(space)
    stay_check_in(member=f.member("first@example.com"), code=code, minutes=120)
    with pytest.raises(DomainError) as refused:
        stay_check_in(member=f.member("second@example.com"), code=code, minutes=120)
    assert refused.value.code == "space_full"
    space.refresh_from_db()
    assert space.in_use == 1 and Stay.objects.count() == 1


@time_machine.travel(AT, tick=False)
def test_control_without_the_debit_guard_a_short_balance_is_not_refused_cleanly(
    settings, monkeypatch
):
    """The debit guard's control: taken out, the same check-in that was refused with
    `insufficient_tickets` is charged, and only the balance's CHECK constraint stops it."""
    settings.CHECK_IN_ONE_STATEMENT = True
    monkeypatch.setattr(one_statement, "DEBIT_GUARD", "TRUE")
    poor = f.member("poor@example.com", tickets=1)
    # Only the table's CHECK constraint is left to stop it: a database error, not a refusal.
    with pytest.raises(IntegrityError, match="ticket_balance_not_negative_unless_postpaid"):
        stay_check_in(member=poor, code=f.code_for(f.space()), minutes=240)


@time_machine.travel(AT, tick=False)
def test_control_without_the_seat_guard_a_full_space_is_not_refused_cleanly(settings, monkeypatch):
    """The seat guard's control: taken out, the check-in that was refused with `space_full`
    claims the seat anyway, and only the counter's CHECK constraint stops it."""
    settings.CHECK_IN_ONE_STATEMENT = True
    monkeypatch.setattr(one_statement, "CLAIM_GUARD", "TRUE")
    space = f.space(quota=1)
    code = f.code_for(space)
    stay_check_in(member=f.member("first@example.com"), code=code, minutes=120)
    with pytest.raises(IntegrityError, match="space_in_use_between_0_and_quota"):
        stay_check_in(member=f.member("second@example.com"), code=code, minutes=120)


# Alone (issue 18): with nothing else to write, the statement is sent in autocommit, without
# BEGIN and COMMIT. These tests run outside any test transaction, as a request does.


def _autocommit_when_sent(stay_check_in_call: Any) -> list[bool]:
    """Whether the connection was in autocommit each time the statement was sent."""
    seen: list[bool] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "WITH claim AS" in sql:
            seen.append(connection.get_autocommit())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        stay_check_in_call()
    return seen


@pytest.mark.django_db(transaction=True)
@time_machine.travel(AT, tick=False)
def test_alone_the_statement_is_its_own_transaction_and_writes_every_row(settings):
    settings.CHECK_IN_ONE_STATEMENT = True
    space = f.space()
    member = f.member(tickets=5)
    stays: list[Stay] = []
    sent = _autocommit_when_sent(
        lambda: stays.append(stay_check_in(member=member, code=f.code_for(space), minutes=240))
    )
    assert sent == [True]
    rows = _rows(Stay.objects.get(pk=stays[0].pk))
    assert (rows["seats"], rows["balance"], rows["entry"]["balance_after"]) == (1, 3, 3)


@pytest.mark.django_db(transaction=True)
@time_machine.travel(AT, tick=False)
def test_with_a_credential_to_record_it_runs_in_a_transaction(settings):
    """A lock that issues credentials adds rows of its own: the statement joins them in one
    transaction, as before."""
    settings.CHECK_IN_ONE_STATEMENT = True
    space = f.space(lock_settings={"mode": "jammed", "credentials": True})
    stays: list[Stay] = []
    sent = _autocommit_when_sent(
        lambda: stays.append(stay_check_in(member=f.member(), code=f.code_for(space), minutes=120))
    )
    assert sent == [False]
    assert Stay.objects.get(pk=stays[0].pk).lock_credential.space_id == space.pk


@pytest.mark.django_db(transaction=True)
@time_machine.travel(AT, tick=False)
def test_alone_a_refused_debit_writes_nothing(settings):
    """The seat was claimed and the stay written before the debit refused: the statement
    raises, so neither stays (in autocommit nothing else would undo them)."""
    settings.CHECK_IN_ONE_STATEMENT = True
    assert_a_refused_debit_writes_nothing()


@pytest.mark.django_db(transaction=True)
@time_machine.travel(AT, tick=False)
def test_control_alone_without_the_refusal_a_refused_debit_keeps_the_seat(settings, monkeypatch):
    """The refusal's control: taken out, the seat claimed and the stay written by the
    statement stay committed, unpaid, and the member is told they are already checked in."""
    settings.CHECK_IN_ONE_STATEMENT = True
    monkeypatch.setattr(one_statement, "REFUSE_UNDEBITED", "NULL")
    space = f.space(quota=2)
    poor = f.member("poor@example.com", tickets=1)
    with pytest.raises(DomainError) as refused:
        stay_check_in(member=poor, code=f.code_for(space), minutes=240)
    assert refused.value.code == "already_checked_in"
    space.refresh_from_db()
    assert space.in_use == 1 and Stay.objects.filter(member=poor).exists()
    assert TicketAccount.objects.get(member=poor).balance == 1


@pytest.mark.django_db(transaction=True)
@time_machine.travel(AT, tick=False)
def test_alone_a_second_active_stay_writes_nothing(settings):
    """The one-active-stay index refuses the stay after the seat was claimed: the statement
    fails as a whole, so the other space's seat is not taken."""
    settings.CHECK_IN_ONE_STATEMENT = True
    office = f.office()
    first, second = f.space(office, name="A"), f.space(office, name="B")
    member = f.member(tickets=5)
    stay_check_in(member=member, code=f.code_for(first), minutes=120)
    with pytest.raises(DomainError) as refused:
        stay_check_in(member=member, code=f.code_for(second), minutes=120)
    assert refused.value.code == "already_checked_in"
    second.refresh_from_db()
    assert second.in_use == 0 and Stay.objects.filter(member=member).count() == 1
    assert TicketAccount.objects.get(member=member).balance == 4
