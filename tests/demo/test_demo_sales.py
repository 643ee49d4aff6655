"""The demo catalogue (public NIKKEI OFFICE PASS prices), the corporate admin, a paid member."""

import pytest
from django.contrib.auth import authenticate

from officepass.accounts.models import Plan, User
from officepass.demo import data
from officepass.demo.services import load_demo
from officepass.payments.models import Payment
from officepass.tickets.selectors import balance_of

pytestmark = pytest.mark.django_db


def test_demo_plans_accounts_and_a_paid_member() -> None:
    load_demo()
    load_demo()  # twice changes nothing
    prices = {
        p.code: (p.tickets_per_cycle, p.monthly_price_yen, p.addon_pack_price_yen)
        for p in Plan.objects.filter(kind="individual")
    }
    assert prices == {
        "individual-10": (10, 13750, 8800),
        "individual-20": (20, 23100, 8800),
        "individual-31": (31, 27280, 8800),
    }
    admin = authenticate(email="corpadmin@example.com", password=data.PASSWORD)
    assert admin is not None and admin.is_company_admin
    assert admin.company is not None and admin.company.code == data.COMPANY["code"]
    for email in ("basic@example.com", "corp@example.com", "admin@example.com"):
        assert authenticate(email=email, password=data.PASSWORD) is not None
    paid = User.objects.get(email="paid@example.com")
    assert Payment.objects.filter(member=paid, status="paid").count() == 1
    assert balance_of(paid) == 20 and paid.cycle_paid_by_card
