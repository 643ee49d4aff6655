"""At the door: after a failed renewal's grace, the check-in page says so and links to the
member's billing page; a plan that does not cover the space says so too."""

from datetime import timedelta

import pytest
from django.test import Client

from officepass.core import clock
from tests import factories

pytestmark = pytest.mark.django_db


def test_payment_required_at_the_door_links_to_billing() -> None:
    member = factories.member()
    member.payment_grace_ends_at = clock.now() - timedelta(minutes=1)
    member.save()
    code = factories.code_for(factories.space())
    client = Client()
    client.force_login(member)
    answer = client.post(f"/c/{code}", {"minutes": "120"})
    page = answer.content.decode()
    assert answer.status_code == 402
    assert 'data-code="payment_required"' in page and 'href="/billing"' in page


def test_plan_not_valid_here_at_the_door() -> None:
    member = factories.member(plan_=factories.plan("open-only", seat_types=["open"]))
    code = factories.code_for(factories.space(seat_type="booth"))
    client = Client()
    client.force_login(member)
    answer = client.post(f"/c/{code}", {"minutes": "120"})
    assert answer.status_code == 403
    assert 'data-code="plan_not_valid_here"' in answer.content.decode()
