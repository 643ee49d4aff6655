"""Employees join with the company's 16-digit code; the company admin sees and removes them
(a running stay ends at its deadline, never cut short; then access stops)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from officepass.accounts.models import Company, User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.stays.services import stay_check_in, stay_extend
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def company() -> Company:
    return Company.objects.create(
        name="Acme", code="1234567890123456", plan=factories.corporate_plan()
    )


def test_join_with_the_code_then_the_admin_removes(company) -> None:
    employee = User.objects.create_user("e@example.com", factories.PASSWORD)
    admin = User.objects.create_user(
        "a@example.com", factories.PASSWORD, company=company, is_company_admin=True
    )
    client = Client()
    client.force_login(employee)
    wrong = client.post("/company/join", {"code": "9999888877776666"})
    assert 'data-code="invalid_company_code"' in wrong.content.decode()
    assert client.post("/company/join", {"code": "1234 5678 9012 3456"}).status_code == 302
    employee.refresh_from_db()
    assert employee.company == company and employee.plan == company.plan
    # Postpaid: checks in with no tickets.
    space = factories.space(quota=3)
    stay = stay_check_in(member=employee, code=factories.code_for(space), minutes=120)
    console = Client()
    console.force_login(admin)
    report = console.get(f"/console/companies/{company.pk}/").content.decode()
    assert "e@example.com" in report and f"/console/members/{employee.pk}/remove/" in report
    assert console.post(f"/console/members/{employee.pk}/remove/").status_code == 302
    employee.refresh_from_db()
    assert employee.company is None and employee.plan is None
    # The running stay is not cut short; no extension, no new check-in.
    stay.refresh_from_db()
    assert stay.is_running(clock.now())
    with time_machine.travel(stay.extension_opens_at + timedelta(minutes=1), tick=False):
        with pytest.raises(DomainError) as refused:
            stay_extend(member=employee, stay_id=stay.pk, minutes=120)
        assert refused.value.code == "no_plan"
    with time_machine.travel(stay.deadline + timedelta(minutes=1), tick=False):
        with pytest.raises(DomainError) as refused:
            stay_check_in(member=employee, code=factories.code_for(space), minutes=120)
        assert refused.value.code == "no_plan"


def test_an_admin_cannot_remove_another_companys_employee(company) -> None:
    other = Company.objects.create(name="B", code="6666555544443333", plan=company.plan)
    outsider = User.objects.create_user(
        "b@example.com", factories.PASSWORD, company=other, is_company_admin=True
    )
    employee = factories.corporate_member("x@example.com")
    User.objects.filter(pk=employee.pk).update(company=company)
    console = Client()
    console.force_login(outsider)
    assert console.post(f"/console/members/{employee.pk}/remove/").status_code == 404
    employee.refresh_from_db()
    assert employee.company == company


def test_a_company_applies_is_screened_and_its_admin_gets_the_console() -> None:
    corporate = factories.corporate_plan()
    applicant = User.objects.create_user("boss@example.com", factories.PASSWORD)
    client = Client()
    client.force_login(applicant)
    sent = client.post(
        "/company/apply",
        {"company_name": "Kaisha K.K.", "contact_name": "Boss", "phone": "", "employees": "12"},
    )
    assert "data-sent" in sent.content.decode()
    staff = User.objects.create_user("sec@example.com", factories.PASSWORD, is_staff=True)
    console = Client()
    console.force_login(staff)
    listing = console.get("/console/applications/").content.decode()
    assert "Kaisha K.K." in listing
    from officepass.accounts.models import CompanyApplication

    application = CompanyApplication.objects.get()
    url = f"/console/applications/{application.pk}/"
    answer = console.post(url, {"decision": "approve", "plan": corporate.pk, "note": "ok"})
    assert answer.status_code == 302
    application.refresh_from_db()
    applicant.refresh_from_db()
    assert application.status == "approved" and application.company is not None
    assert re.fullmatch(r"[1-9][0-9]{15}", application.company.code)
    assert applicant.company == application.company and applicant.is_company_admin
    # Decided once: a second decision is refused.
    again = console.post(url, {"decision": "reject", "plan": corporate.pk})
    assert again.status_code == 200 and 'data-code="invalid_input"' in again.content.decode()
    # The admin's page, where employees and usage are.
    client.force_login(applicant)
    company_page = client.get(f"/console/companies/{application.company.pk}/")
    assert company_page.status_code == 200
