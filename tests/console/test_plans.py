"""The plan catalogue is data the secretariat edits in the console, audited."""

import pytest
from django.test import Client

from officepass.accounts.models import Plan, User
from officepass.core.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_secretariat_adds_edits_and_retires_a_plan() -> None:
    staff = User.objects.create_user("sec@example.com", factories.PASSWORD, is_staff=True)
    office = factories.office("Only here")
    client = Client()
    client.force_login(staff)
    form = {
        "code": "individual-10",
        "name": "個人 10回",
        "name_en": "Individual 10",
        "kind": "individual",
        "tickets_per_cycle": 10,
        "monthly_price_yen": 13750,
        "tax_rate_percent": 10,
        "extensions_need_tickets": "on",
        "addon_pack_tickets": 5,
        "addon_pack_price_yen": 8800,
        "offices": [office.pk],
        "seat_types": ["open", "booth"],
        "active": "on",
    }
    assert client.post("/console/plans/new/", form).status_code == 302
    plan = Plan.objects.get(code="individual-10")
    assert (plan.monthly_price_yen, plan.addon_pack_price_yen) == (13750, 8800)
    assert list(plan.offices.all()) == [office] and plan.seat_types == ["open", "booth"]
    retired = {**form, "monthly_price_yen": 14000}
    retired.pop("active")
    assert client.post(f"/console/plans/{plan.pk}/", retired).status_code == 302
    plan.refresh_from_db()
    assert not plan.active and plan.monthly_price_yen == 14000
    assert AuditEntry.objects.filter(action="plan.save").count() == 2
    page = client.get("/console/plans/").content.decode()
    assert "¥14,000" in page


def test_a_postpaid_plan_has_no_card_price() -> None:
    staff = User.objects.create_user("sec@example.com", factories.PASSWORD, is_staff=True)
    client = Client()
    client.force_login(staff)
    answer = client.post(
        "/console/plans/new/",
        {
            "code": "corp",
            "name": "法人",
            "kind": "corporate",
            "tickets_per_cycle": 0,
            "monthly_price_yen": 1000,
            "tax_rate_percent": 10,
            "postpaid": "on",
            "addon_pack_tickets": 0,
            "addon_pack_price_yen": 0,
            "active": "on",
        },
    )
    assert answer.status_code == 200 and not Plan.objects.filter(code="corp").exists()
