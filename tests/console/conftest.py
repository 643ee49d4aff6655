"""Two tenants side by side: operator/company ALPHA (the owner) and BRAVO (the outsider)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from officepass.accounts.models import Company, CompanyApplication, Plan, User
from officepass.core import clock
from officepass.invoices.models import CompanyInvoice, Receipt, ReturnInvoice
from officepass.invoices.services import (
    SaleLine,
    company_invoice_issue,
    company_rate_set,
    record_charge,
    record_refund,
)
from officepass.offices.models import Office, Operator, Space
from officepass.payments.models import Payment, Refund
from officepass.settlement.models import Statement
from officepass.settlement.services import previous_month, statement_close
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in, stay_checkout
from officepass.support.models import TroubleReport
from officepass.support.services import trouble_report_create
from tests import factories

MARKERS = ("ALPHA-OFFICE", "ALPHA-SPACE", "alpha-employee", "ALPHA-COMPANY", "ALPHA-OPERATOR")


@dataclass
class World:
    operator: Operator
    office: Office
    space: Space
    company: Company
    employee: User
    stay: Stay
    report: TroubleReport
    secretariat: User
    staff: User
    admin: User
    member: User
    other_staff: User
    other_admin: User
    plan: Plan
    payment: Payment
    refund: Refund
    application: CompanyApplication
    invoice: CompanyInvoice
    receipt: Receipt
    return_invoice: ReturnInvoice
    statement: Statement

    def kwargs(self) -> dict[str, Any]:
        return {
            "office_id": self.office.pk,
            "space_id": self.space.pk,
            "stay_id": self.stay.pk,
            "report_id": self.report.pk,
            "company_id": self.company.pk,
            "member_id": self.employee.pk,
            "action": "grant",
            "operator_id": self.operator.pk,
            "plan_id": self.plan.pk,
            "payment_id": self.payment.pk,
            "refund_id": self.refund.pk,
            "application_id": self.application.pk,
            "invoice_id": self.invoice.pk,
            "receipt_id": self.receipt.pk,
            "return_invoice_id": self.return_invoice.pk,
            "statement_id": self.statement.pk,
        }


def _user(email: str, **extra: Any) -> User:
    return User.objects.create_user(email, factories.PASSWORD, **extra)


@pytest.fixture
def world(db) -> World:
    operator = Operator.objects.create(name="ALPHA-OPERATOR", payout_per_ticket=500)
    office = factories.office("ALPHA-OFFICE", operator=operator)
    space = factories.space(office, name="ALPHA-SPACE")
    bravo = Operator.objects.create(name="BRAVO-OPERATOR", payout_per_ticket=400)
    factories.space(factories.office("BRAVO-OFFICE", operator=bravo), name="BRAVO-SPACE")
    plan = factories.corporate_plan()
    company = Company.objects.create(name="ALPHA-COMPANY", code="1111222233334444", plan=plan)
    other = Company.objects.create(name="BRAVO-COMPANY", code="5555666677778888", plan=plan)
    employee = factories.corporate_member("alpha-employee@example.com")
    User.objects.filter(pk=employee.pk).update(company=company)
    employee.refresh_from_db()
    invoice, receipt, return_invoice = _money(company, employee, space)
    stay = stay_check_in(member=employee, code=factories.code_for(space), minutes=120)
    # Last month's payout statement of ALPHA (empty: the stays below are this month's).
    statement = statement_close(operator=operator, month=previous_month())
    report = trouble_report_create(
        member=employee, office_id=office.pk, stay_id=stay.pk, kind="entry_unlock", message="x"
    )
    secretariat = _user("secretariat@example.com", is_staff=True)
    sold = factories.plan("alpha-sold", monthly_price_yen=13750)
    payment = Payment.objects.create(
        member=employee,
        plan=sold,
        kind="first",
        status="paid",
        amount_yen=13750,
        provider="demo",
        provider_reference="demo_in_alpha",
        occurred_at=clock.now(),
    )
    refund = Refund.objects.create(
        payment=payment,
        amount_yen=100,
        reason="alpha goodwill",
        status="failed",
        created_by=secretariat,
        created_at=clock.now(),
    )
    return World(
        operator=operator,
        office=office,
        space=space,
        company=company,
        employee=employee,
        stay=stay,
        report=report,
        secretariat=secretariat,
        plan=sold,
        payment=payment,
        refund=refund,
        application=CompanyApplication.objects.create(
            applicant=employee,
            company_name="ALPHA-COMPANY applies",
            contact_name="x",
            created_at=clock.now(),
        ),
        staff=_user("alpha-staff@example.com", operator=operator),
        admin=_user("alpha-admin@example.com", company=company, is_company_admin=True),
        member=factories.member("plain-member@example.com"),
        other_staff=_user("bravo-staff@example.com", operator=bravo),
        other_admin=_user("bravo-admin@example.com", company=other, is_company_admin=True),
        invoice=invoice,
        receipt=receipt,
        return_invoice=return_invoice,
        statement=statement,
    )


def _money(
    company: Company, employee: User, space: Space
) -> tuple[CompanyInvoice, Receipt, ReturnInvoice]:
    """ALPHA's documents: the invoice of a stay in June 2025 (a fixed past month, issued by
    then), a card receipt and its refund."""
    june = datetime(2025, 6, 10, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    month = june.replace(day=1, hour=0)
    company_rate_set(company=company, yen_per_ticket=1100, effective_from=month, actor=None)
    with time_machine.travel(june, tick=False):
        stay = stay_check_in(member=employee, code=factories.code_for(space), minutes=120)
        stay_checkout(member=employee, stay_id=stay.pk, unlock=False)
    with time_machine.travel(june + timedelta(days=21), tick=False):
        invoice = company_invoice_issue(company=company, month_start=month)
    assert invoice is not None
    now = clock.now()
    receipt = record_charge(
        payer=employee,
        provider="fake",
        provider_reference="ch_alpha",
        occurred_at=now,
        lines=[SaleLine("追加5回パック", "Add-on pack of 5", 8800, 10)],
    )
    return_invoice = record_refund(
        receipt=receipt,
        amount_yen=8800,
        reason="ALPHA-COMPANY refund",
        provider="fake",
        provider_reference="re_alpha",
        occurred_at=now,
        actor=None,
    )
    return invoice, receipt, return_invoice
