"""The last-seat burst and concurrent idempotent duplicates, round after round, on PostgreSQL.

`make test`: 100 burst rounds, 10 rounds of 10 duplicate check-ins and 10 duplicate trouble
reports. `make soak`: 10,000 burst rounds and 10,000 duplicates of each (see Makefile). Each
guard has a control run on the same harness showing the invariant breaks without it.
"""

import json
from collections import Counter
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from officepass.accounts.models import User
from officepass.accounts.services import token_create_for_login
from officepass.core.models import IdempotencyRecord
from officepass.core.reconcile import all_breaches
from officepass.offices.models import Office, Space
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in, stay_checkout
from officepass.support.models import TroubleReport
from officepass.tickets.models import LedgerEntry
from tests import factories
from tests.concurrency.race import tally
from tests.concurrency.rounds import SIZES, Deadline, RoundPool, progress
from tests.concurrency.test_check_in_races import unguard_the_claim

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]
QUOTA = 2


def _members(label: str, count: int) -> list[User]:
    return [factories.corporate_member(f"{label}-{i}@example.com") for i in range(count)]


def _seat_round(pool: RoundPool, office: Office, members: list[User]) -> tuple[Space, list[Any]]:
    space = factories.space(office, name="Last seats", quota=QUOTA)
    code = factories.code_for(space)
    outcomes = pool.run(lambda i: stay_check_in(member=members[i], code=code, minutes=120))
    space.refresh_from_db()
    return space, outcomes


def _breach(space: Space) -> str | None:
    active = Stay.objects.filter(space=space, status=Stay.Status.ACTIVE).count()
    if space.in_use != active or active > space.quota:
        return f"space {space.pk}: in_use={space.in_use}, {active} active, quota {space.quota}"
    return None


@pytest.mark.django_db(transaction=True)
def test_round_after_round_exactly_quota_members_win_the_last_seats() -> None:
    members = _members("burst", SIZES.members)
    office = factories.office("Burst office")
    deadline = Deadline(SIZES.max_seconds)
    rounds = attempts = 0
    with RoundPool(SIZES.members) as pool:
        while rounds < SIZES.rounds and not deadline.passed():
            space, outcomes = _seat_round(pool, office, members)
            counts = tally(outcomes)
            assert counts == {"ok": QUOTA, "space_full": SIZES.members - QUOTA}, (rounds, counts)
            assert _breach(space) is None
            for stay in outcomes:
                if isinstance(stay, Stay):
                    stay_checkout(member=stay.member, stay_id=stay.pk, unlock=False)
            rounds += 1
            attempts += len(outcomes)
            if rounds % 500 == 0:
                progress(f"burst: {rounds}/{SIZES.rounds} rounds, {deadline.elapsed:.0f} s")
    assert rounds == SIZES.rounds, f"stopped by SOAK_MAX_SECONDS after {rounds} rounds"
    consumed = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CONSUME).count()
    assert consumed == Stay.objects.count() == QUOTA * rounds
    assert all_breaches() == []
    progress(
        f"burst: {rounds} rounds x {SIZES.members} members for {QUOTA} seats = {attempts}"
        f" check-ins raced, {QUOTA * rounds} admitted, 0 oversold ({deadline.elapsed:.1f} s)"
    )


@pytest.mark.django_db(transaction=True)
def test_control_the_same_rounds_without_the_guarded_claim_oversell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unguard_the_claim(monkeypatch)
    members = _members("control", SIZES.members)
    office = factories.office("Control office")
    breached = 0
    with RoundPool(SIZES.members) as pool:
        for _ in range(SIZES.control_rounds):
            space, _outcomes = _seat_round(pool, office, members)
            breached += _breach(space) is not None
            Stay.objects.filter(status=Stay.Status.ACTIVE).update(status=Stay.Status.CANCELLED)
    progress(f"burst control: {breached} of {SIZES.control_rounds} unguarded rounds broke")
    assert breached > 0, f"no breach in {SIZES.control_rounds} unguarded rounds"


# --- idempotency: concurrent duplicates of one request, one effect --------------------------


def _tokens(member: User, count: int) -> list[str]:
    return [
        token_create_for_login(email=member.email, password=factories.PASSWORD)[0]
        for _ in range(count)
    ]


def _post(path: str, body: dict[str, Any], token: str, key: str | None) -> tuple[int, Any, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = Client().post(
        path, json.dumps(body), content_type="application/json", headers=headers
    )
    return response.status_code, response.json(), response.headers.get("Idempotent-Replayed")


def _post_as(
    tokens: list[str], path: str, body: dict[str, Any], key: str, index: int
) -> tuple[int, Any, Any]:
    return _post(path, body, tokens[index], key)


def _one_answer(outcomes: list[Any], status: int) -> Any:
    assert tally(outcomes) == {"ok": len(outcomes)}, tally(outcomes)
    assert Counter(s for s, _, _ in outcomes) == {status: len(outcomes)}, outcomes[:3]
    bodies = {json.dumps(b, sort_keys=True) for _, b, _ in outcomes}
    assert len(bodies) == 1, bodies
    assert Counter(r for _, _, r in outcomes) == {None: 1, "true": len(outcomes) - 1}
    return outcomes[0][1]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_with_one_key_have_exactly_one_effect_round_after_round() -> None:
    member = factories.member("dup@example.com", tickets=0, plan_=factories.corporate_plan())
    space = factories.space(quota=2)
    code = factories.code_for(space)
    tokens = _tokens(member, SIZES.duplicates)
    deadline = Deadline(SIZES.max_seconds)
    rounds = sent = 0
    with RoundPool(SIZES.duplicates) as pool:
        while rounds < SIZES.idempotency_rounds and not deadline.passed():
            stay_body = {"code": code, "minutes": 120}
            report_body = {"office_id": space.office_id, "kind": "other", "message": "door"}
            stay = _one_answer(
                pool.run(partial(_post_as, tokens, "/api/v1/stays", stay_body, f"s-{rounds}")), 201
            )
            report = _one_answer(
                pool.run(
                    partial(_post_as, tokens, "/api/v1/trouble-reports", report_body, f"r-{rounds}")
                ),
                201,
            )
            stay_checkout(member=member, stay_id=stay["id"], unlock=False)
            assert TroubleReport.objects.filter(pk=report["id"]).exists()
            rounds += 1
            sent += 2 * SIZES.duplicates
            if rounds % 100 == 0:
                progress(f"idempotency: {rounds}/{SIZES.idempotency_rounds} rounds")
    assert rounds == SIZES.idempotency_rounds, f"stopped by SOAK_MAX_SECONDS after {rounds}"
    assert Stay.objects.filter(member=member).count() == rounds
    assert LedgerEntry.objects.filter(member=member, kind="consume").count() == rounds
    assert TroubleReport.objects.count() == rounds
    assert len(mail.outbox) == rounds  # one e-mail to the secretariat per report, not per try
    assert all_breaches() == []
    progress(
        f"idempotency: {sent} concurrent POSTs in {rounds} rounds of {SIZES.duplicates}"
        f" duplicates: {2 * rounds} effects, one per key ({deadline.elapsed:.1f} s)"
    )


IDEMPOTENCY_UNIQUE = "idempotency_key_unique_per_user"  # core/models.py IdempotencyRecord


@pytest.fixture
def without_the_idempotency_unique_constraint(on_postgres: None) -> Iterator[None]:
    """Drop the (user, key) unique constraint for one test, then put it back (the schema
    outlives the flush); the duplicate records the test makes are removed first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = %s",
            [IDEMPOTENCY_UNIQUE],
        )
        row = cursor.fetchone()
        assert row is not None, f"{IDEMPOTENCY_UNIQUE} is missing before the test"
        table, definition = row
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{IDEMPOTENCY_UNIQUE}"')
    try:
        yield
    finally:
        IdempotencyRecord.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f'ALTER TABLE {table} ADD CONSTRAINT "{IDEMPOTENCY_UNIQUE}" {definition}'
            )


@pytest.mark.django_db(transaction=True)
def test_control_without_the_unique_key_concurrent_duplicates_each_have_an_effect(
    without_the_idempotency_unique_constraint: None,
) -> None:
    member = factories.member("nounique@example.com", tickets=5)
    office = factories.office()
    tokens = _tokens(member, SIZES.duplicates)
    body = {"office_id": office.pk, "kind": "other", "message": "door"}
    with RoundPool(SIZES.duplicates) as pool:
        outcomes = pool.run(partial(_post_as, tokens, "/api/v1/trouble-reports", body, "same"))
    assert Counter(s for s, _, _ in outcomes) == {201: SIZES.duplicates}
    # every duplicate saw no record yet and inserted its own: more than one effect
    assert TroubleReport.objects.count() > 1, TroubleReport.objects.count()


@pytest.mark.django_db(transaction=True)
def test_control_the_same_duplicates_without_the_key_each_have_an_effect() -> None:
    member = factories.member("nokey@example.com", tickets=5)
    office = factories.office()
    tokens = _tokens(member, SIZES.duplicates)
    body = {"office_id": office.pk, "kind": "other", "message": "door"}
    with RoundPool(SIZES.duplicates) as pool:
        outcomes = pool.run(lambda i: _post("/api/v1/trouble-reports", body, tokens[i], None))
    assert Counter(s for s, _, _ in outcomes) == {201: SIZES.duplicates}
    assert TroubleReport.objects.count() == SIZES.duplicates  # a retry storm, duplicated
