"""core.prepared (issue 18), through the hot path's own prepared selects: a queryset compiled
once gives what the ORM gives, every time; an insert writes what `Model.save` writes, with its
signals and its rollback."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, signals
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from officepass.accounts.models import ApiToken
from officepass.accounts.services import _TOKEN_USER, hash_token
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.models import AuditEntry
from officepass.core.prepared import insert
from officepass.offices.models import Space
from officepass.offices.selectors import _SPACE_FOR_CHECK_IN, _SPACE_FOR_CODE
from officepass.stays.models import AvailabilityChange
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def fields(obj: Model) -> dict[str, Any]:
    return {k: v for k, v in obj.__dict__.items() if not k.startswith("_")}


def token(member: Any, raw: str, *, days: int = 30) -> ApiToken:
    now = clock.now()
    return ApiToken.objects.create(
        user=member, key_hash=hash_token(raw), prefix=raw[:10], created_at=now,
        expires_at=now + timedelta(days=days),
    )  # fmt: skip


def test_it_builds_the_same_instances_as_the_orm_with_their_related_rows():
    member = f.member("p@example.com")
    token(member, "op_prepared")
    now = clock.now()
    ours = _TOKEN_USER.first(hash_token("op_prepared"), now)
    orm = (
        ApiToken.objects.select_related("user", "user__plan", "user__company")
        .filter(key_hash=hash_token("op_prepared"), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    assert ours is not None and orm is not None
    assert fields(ours) == fields(orm)
    assert fields(ours.user) == fields(orm.user)
    assert fields(ours.user.plan) == fields(orm.user.plan)
    assert ours.user.company is None and orm.user.company is None
    with CaptureQueriesContext(connection) as reads:  # the related rows came with it
        assert ours.user.plan.code == orm.user.plan.code
    assert len(reads) == 0
    space = f.space()
    ours_space = _SPACE_FOR_CODE.first(space.pk, space.code_version)
    assert ours_space is not None
    assert fields(ours_space) == fields(Space.objects.get(pk=space.pk))
    assert ours_space.office.operator.name == space.office.operator.name


def test_annotations_are_set_on_the_instance_as_the_orm_sets_them():
    plan = f.plan("limited")
    covered, other = f.office("Covered"), f.office("Other")
    plan.offices.set([covered])
    for office in (covered, other):
        space = f.space(office)
        args = (space.pk, space.code_version, plan.pk, plan.pk)
        ours = _SPACE_FOR_CHECK_IN.first(*args)
        orm = _SPACE_FOR_CHECK_IN._build(*args).first()
        assert ours is not None and orm is not None
        assert fields(ours) == fields(orm)
        assert fields(ours.office) == fields(orm.office)
        assert (ours.plan_lists_offices, ours.plan_lists_office) == (True, office == covered)
    space = f.space(other, name="Booth")
    unlimited = f.plan("everywhere")
    ours = _SPACE_FOR_CHECK_IN.first(space.pk, space.code_version, unlimited.pk, unlimited.pk)
    assert ours is not None and (ours.plan_lists_offices, ours.plan_lists_office) == (False, False)


def test_it_reads_afresh_each_time_and_compiles_once(monkeypatch):
    member = f.member("p@example.com")
    made = token(member, "op_revoked")
    raw = hash_token("op_revoked")
    assert _TOKEN_USER.first(raw, clock.now()) is not None
    compiled = []
    real = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or real(self, *a, **k)
    )
    ApiToken.objects.filter(pk=made.pk).update(revoked_at=clock.now())
    compiled.clear()
    assert _TOKEN_USER.first(raw, clock.now()) is None  # revoked: refused at once
    ApiToken.objects.filter(pk=made.pk).update(revoked_at=None)
    assert _TOKEN_USER.first(raw, clock.now() + timedelta(days=31)) is None  # expired then
    assert _TOKEN_USER.first(raw, clock.now()) is not None
    assert compiled == []  # read afresh three times, never compiled again
    assert ApiToken.objects.filter(pk=made.pk).exists()
    assert compiled  # (an ORM select is compiled: the counter counts)


def test_arguments_are_prepared_as_the_orm_prepares_them():
    space = f.space()
    assert _SPACE_FOR_CODE.first(space.pk, space.code_version + 1) is None  # re-issued code
    assert (
        _SPACE_FOR_CODE.first(space.pk, 2**31) is None
    )  # more than the column holds: no row, no error
    assert _SPACE_FOR_CODE.first(2**63, 1) is None
    assert Space.objects.filter(pk=2**63).first() is None  # as the ORM answers


def test_an_insert_writes_what_save_writes_and_sends_its_signals():
    space = f.space()
    seen: list[tuple[Any, bool]] = []

    def receiver(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        seen.append((instance.pk, created))

    signals.post_save.connect(receiver, sender=AvailabilityChange, dispatch_uid="test-prepared")
    try:
        change = insert(
            AvailabilityChange(space=space, office_id=space.office_id, created_at=clock.now())
        )
    finally:
        signals.post_save.disconnect(dispatch_uid="test-prepared", sender=AvailabilityChange)
    assert change.pk is not None and change._state.adding is False
    assert seen == [(change.pk, True)]
    stored = AvailabilityChange.objects.get(pk=change.pk)
    assert (stored.space_id, stored.office_id, stored.created_at) == (
        space.pk,
        space.office_id,
        change.created_at,
    )
    entry = audit(actor=None, action=AuditAction.STAY_CHECK_IN, target=space, note="新宿", n=[1])
    assert AuditEntry.objects.get(pk=entry.pk).data == {"note": "新宿", "n": [1]}  # JSON as save


def test_a_failed_insert_rolls_the_whole_transaction_back():
    space = f.space()
    before = AvailabilityChange.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(AvailabilityChange(space=space, office_id=space.office_id, created_at=clock.now()))
        insert(AvailabilityChange(space_id=space.pk + 10_000, office_id=1, created_at=None))
    assert AvailabilityChange.objects.count() == before


def _as_sent(value: Any) -> Any:
    """A value as the driver gets it: its type too (psycopg's Int4 is not a plain int)."""
    return ("json", value.obj) if hasattr(value, "obj") else (type(value), value)


@pytest.mark.usefixtures("on_postgres")
def test_save_values_are_what_django_prepares_field_for_field():
    """`save_values` skips Django's preparing for plain values (PostgreSQL only): for every
    row a check-in and a ticket grant write, field for field, it must give what
    `get_db_prep_save(pre_save(obj, True))` gives, in value and in type."""
    from django.apps import apps

    from officepass.core.prepared import _insert_plan, save_values
    from officepass.stays.services import stay_check_in

    with time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=False):
        stay_check_in(
            member=f.member("values@example.com"), code=f.code_for(f.space()), minutes=120
        )
        compared = 0
        for model in apps.get_models():
            plan = _insert_plan(model)
            if plan is None:
                continue
            for row in model._default_manager.all()[:3]:
                row.pk = None
                row._state.adding = True
                ours = [_as_sent(v) for v in save_values(row, plan.fields)]
                django = [
                    _as_sent(field.get_db_prep_save(field.pre_save(row, True), connection))
                    for field in plan.fields
                ]
                assert ours == django, model.__name__
                compared += 1
    assert compared >= 8  # stay, ledger entries, change, audit rows, user, plan, space, …


@pytest.mark.usefixtures("on_postgres")
def test_save_values_finds_the_ways_once_per_list_whatever_list_it_is_given():
    """Issue 18: the ways are found once per list of fields, by the list's identity (hashing
    29 fields and asking the connection's vendor for each cost ~50 µs a check-in). A list made
    afresh for each call gives the same values as the plan's own, and leaves no pile behind."""
    from officepass.core import prepared
    from officepass.core.prepared import _insert_plan, save_values
    from officepass.stays.models import Stay
    from officepass.stays.services import stay_check_in

    with time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=False):
        stay_check_in(member=f.member("ways@example.com"), code=f.code_for(f.space()), minutes=120)
    row = Stay.objects.get()
    row.pk, row._state.adding = None, True
    plan = _insert_plan(Stay)
    assert plan is not None
    expected = [_as_sent(v) for v in save_values(row, plan.fields)]
    assert [_as_sent(v) for v in save_values(row, plan.fields)] == expected  # from the cache
    for _ in range(1200):
        assert [_as_sent(v) for v in save_values(row, list(plan.fields))] == expected
    assert len(prepared._ways_of_fields) <= 1001
    minutes = next(field for field in plan.fields if field.attname == "minutes")
    row.minutes = "120"  # not the plain type: Django's own preparing, as before
    assert save_values(row, plan.fields)[plan.fields.index(minutes)] == 120
