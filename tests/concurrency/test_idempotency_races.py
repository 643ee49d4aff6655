"""The same POST /api/v1/stays sent twenty times at once with one Idempotency-Key."""

import json
from collections import Counter
from functools import partial

import pytest
from django.test import Client

from officepass.accounts.services import token_create_for_login
from officepass.stays.models import Stay
from tests import factories
from tests.concurrency.race import balance, consume_entries, run_together, tally

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

REQUESTS = 20


def _post_stay(body: str, token: str, key: str) -> tuple[int, dict[str, object], str | None]:
    response = Client().post(
        "/api/v1/stays",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )
    return response.status_code, response.json(), response.headers.get("Idempotent-Replayed")


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_with_one_idempotency_key_create_one_stay_and_charge_once() -> None:
    space = factories.space(quota=2)
    member = factories.member(tickets=30)
    tokens = [
        token_create_for_login(email=member.email, password=factories.PASSWORD)[0]
        for _ in range(REQUESTS)
    ]
    body = json.dumps({"code": factories.code_for(space), "minutes": 120})

    outcomes = run_together([partial(_post_stay, body, t, "check-in-42") for t in tokens])

    assert tally(outcomes) == {"ok": REQUESTS}
    assert Counter(status for status, _, _ in outcomes) == {201: REQUESTS}, outcomes
    assert len({answer["id"] for _, answer, _ in outcomes}) == 1
    assert Counter(replayed for _, _, replayed in outcomes) == {None: 1, "true": REQUESTS - 1}
    stay = Stay.objects.get()
    assert stay.pk == outcomes[0][1]["id"]
    assert consume_entries(member=member) == 1
    assert balance(member) == 30 - stay.tickets_consumed
