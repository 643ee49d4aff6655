"""A member's plan changes only through the service, which moves the ticket account's postpaid
flag with it; Django admin cannot change it, and reconcile notices an account that disagrees
with its plan (a basic member left postpaid could go below zero)."""

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory

from officepass.accounts.models import Plan, User
from officepass.core.reconcile import all_breaches
from officepass.tickets.models import TicketAccount
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root@x.jp", f.PASSWORD)


def test_django_admin_shows_a_members_plan_but_cannot_change_it(
    client: Client, superuser: User
) -> None:
    member = f.corporate_member("corp@x.jp")
    request = RequestFactory().get("/")
    request.user = superuser
    user_admin = site._registry[User]
    assert "plan" in user_admin.get_readonly_fields(request, member)
    assert "plan" not in user_admin.get_form(request, member).base_fields
    client.force_login(superuser)
    page = client.get(f"/admin/accounts/user/{member.pk}/change/")
    assert page.status_code == 200
    assert 'name="plan"' not in page.content.decode()
    # a new user may still be given a plan: its ticket account is made from it
    assert "plan" in user_admin.get_form(request, None).base_fields


def test_django_admin_cannot_flip_a_plans_postpaid_flag(superuser: User) -> None:
    plan = f.plan()
    request = RequestFactory().get("/")
    request.user = superuser
    plan_admin = site._registry[Plan]
    assert "postpaid" not in plan_admin.get_form(request, plan).base_fields
    assert "postpaid" in plan_admin.get_form(request, None).base_fields


def test_reconcile_notices_an_account_that_disagrees_with_its_plan() -> None:
    member = f.corporate_member("corp@x.jp")
    assert all_breaches() == []
    # what a plan change behind the service's back left: basic plan, postpaid account, -15
    User.objects.filter(pk=member.pk).update(plan=f.plan())
    TicketAccount.objects.filter(member=member).update(balance=-15)
    expected = f"member {member.pk}: ticket account postpaid but the plan says otherwise"
    assert expected in all_breaches()
