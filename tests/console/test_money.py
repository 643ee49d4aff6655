"""Money in the console and on the member's pages: a company's monthly invoice equals the
usage report and the ledger to the yen (PDF text included), issued once by the worker on the
first day; marking paid is audited; CSV exports are Excel-safe; receipts are the payer's."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db.models import Sum

from officepass.core.models import AuditEntry
from officepass.invoices import tasks
from officepass.invoices.checks import document_breaches, numbering_breaches
from officepass.invoices.models import CompanyInvoice, CompanyInvoicePayment, MoneyEntry
from officepass.invoices.pdf import render_company_invoice_pdf
from officepass.invoices.services import company_rate_set, record_refund
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry
from officepass.tickets.services import ticket_refund_for_stay
from tests.console.test_reports import MONTH, at, month_of_stays, read_csv  # noqa: F401
from tests.invoices.test_documents import pdf_text

RATE = 2_000  # yen per ticket, tax included


@pytest.fixture
def october_invoice(month_of_stays, world):  # noqa: F811
    """ALPHA's October 2026: a staff refund of one ticket, then the worker on 1 November."""
    company_rate_set(
        company=world.company, yen_per_ticket=RATE, effective_from=MONTH.start, actor=None
    )
    stay = Stay.objects.filter(
        member=world.employee, started_at__gte=MONTH.start, started_at__lt=MONTH.end
    ).first()
    with time_machine.travel(at(29, 12), tick=False):
        ticket_refund_for_stay(actor=world.staff, stay=stay, tickets=1, reason="noisy")
    with time_machine.travel(at(1, 0, 5, month=11), tick=False):
        assert tasks.company_invoices_issue_due() == 1
        assert tasks.company_invoices_issue_due() == 0  # the next tick: already issued
    return CompanyInvoice.objects.get(company=world.company, period_start=MONTH.start)


def test_the_monthly_invoice_equals_the_usage_report_and_the_ledger(client, october_invoice, world):
    invoice = october_invoice
    client.force_login(world.admin)
    report = read_csv(client.get(f"/console/companies/{world.company.pk}/usage.csv?month=2026-10"))
    reported = {r["email"]: int(r["tickets"]) for r in report}
    lines = MoneyEntry.objects.filter(company_invoice=invoice)
    billed: dict[str, int] = {}
    for line in lines:
        billed[line.payer.email] = billed.get(line.payer.email, 0) + line.tickets
        assert line.amount_yen == line.tickets * RATE and line.tax_rate_percent == 10
    assert billed == {e: t for e, t in reported.items() if t}
    # The ticket ledger itself: consumption less refunds of the company's October stays.
    stays = Stay.objects.filter(
        member__company=world.company, started_at__gte=MONTH.start, started_at__lt=MONTH.end
    )
    ledger = -LedgerEntry.objects.filter(stay__in=stays, kind__in=["consume", "refund"]).aggregate(
        t=Sum("tickets")
    )["t"]
    assert invoice.tickets == ledger == sum(billed.values()) > 0
    assert invoice.total_yen == ledger * RATE == lines.aggregate(s=Sum("amount_yen"))["s"]
    assert invoice.tax_yen == invoice.total_yen * 10 // 110
    assert invoice.rate_totals == {
        "10": {"total_yen": invoice.total_yen, "tax_yen": invoice.tax_yen}
    }
    # Lines by employee and office.
    assert {(line.payer_id, line.office.name) for line in lines} == {
        (world.employee.pk, "ALPHA-OFFICE"),
        (world.employee.pk, "BRAVO-OFFICE"),
    }
    text = pdf_text(render_company_invoice_pdf(invoice))
    for expected in (
        "適格請求書",
        "ALPHA-COMPANY",
        "T9234567890123",
        "2026-10-01",
        "2026-10-31",
        f"¥{invoice.total_yen:,}",
        f"¥{invoice.tax_yen:,}",
        *(f"¥{line.amount_yen:,}" for line in lines),
    ):
        assert expected in text, expected
    assert document_breaches() == [] and numbering_breaches() == []


def test_the_invoice_pdf_is_the_companys_only(client, october_invoice, world):
    url = f"/console/money/invoices/{october_invoice.pk}.pdf"
    client.force_login(world.admin)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(world.other_admin)
    assert client.get(url).status_code == 404


def test_marking_an_invoice_paid_is_audited_once(client, world):
    client.force_login(world.secretariat)
    url = f"/console/money/invoices/{world.invoice.pk}/paid/"
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # told it is already paid; nothing written
    assert CompanyInvoicePayment.objects.filter(invoice=world.invoice).count() == 1
    assert AuditEntry.objects.filter(action="invoice.marked_paid").count() == 1
    client.force_login(world.admin)
    rows = read_csv(client.get("/console/money/invoices.csv"))
    assert [(r["number"], r["status"]) for r in rows] == [(world.invoice.code, "paid")]
    assert "ALPHA-COMPANY" in client.get("/console/money/invoices/").content.decode()


def test_the_money_csv_exports_are_excel_safe(client, world):
    record_refund(
        receipt=another_receipt(world),
        amount_yen=1,
        reason='=HYPERLINK("http://evil")',
        provider="fake",
        provider_reference="re_evil",
        occurred_at=world.receipt.occurred_at,
        actor=world.secretariat,
    )
    client.force_login(world.secretariat)
    for url in ("/console/money/refunds.csv", "/console/money/receipts.csv"):
        body = client.get(url).content
        assert body.startswith("\ufeff".encode()), url
    rows = read_csv(client.get("/console/money/refunds.csv"))
    assert {r["reason"] for r in rows} >= {'\'=HYPERLINK("http://evil")'}
    receipts = read_csv(client.get("/console/money/receipts.csv"))
    assert [(r["number"], r["total_yen"], r["tax_10_yen"]) for r in receipts] == [
        ("R-0000002", "13750", "1250"),
        (world.receipt.code, "8800", "800"),
    ]


def another_receipt(world):
    from officepass.invoices.services import SaleLine, record_charge

    return record_charge(
        payer=world.member,
        provider="fake",
        provider_reference="ch_evil",
        occurred_at=datetime(2026, 5, 1, tzinfo=UTC),
        lines=[SaleLine("10回プラン", "10-use plan", 13750, 10)],
    )


def test_members_download_their_own_receipts_forever_and_no_one_elses(client, world):
    mine = f"/receipts/{world.receipt.pk}.pdf"
    refund = f"/return-invoices/{world.return_invoice.pk}.pdf"
    assert client.get(mine).status_code == 302  # signed out: to sign-in
    client.force_login(world.employee)
    page = client.get("/receipts").content.decode()
    assert world.receipt.code in page and world.return_invoice.code in page
    with time_machine.travel(world.receipt.issued_at + timedelta(days=3650), tick=False):
        client.force_login(world.employee)  # ten years on, a new session
        response = client.get(mine)
    assert response.status_code == 200
    assert world.receipt.code in pdf_text(response.content)
    assert client.get(refund).status_code == 200
    client.force_login(world.member)
    assert client.get(mine).status_code == 404
    assert client.get(refund).status_code == 404
    assert world.receipt.code not in client.get("/receipts").content.decode()


def test_a_ticket_refund_after_the_invoice_is_an_adjustment_on_the_next_one(
    client, october_invoice, world
):
    october = Stay.objects.filter(
        member=world.employee, started_at__gte=MONTH.start, started_at__lt=MONTH.end
    ).last()
    with time_machine.travel(at(5, 12, month=11), tick=False):
        ticket_refund_for_stay(actor=world.staff, stay=october, tickets=1, reason="late")
    with time_machine.travel(at(1, 0, 5, month=12), tick=False):
        assert tasks.company_invoices_issue_due() == 1
    november = CompanyInvoice.objects.get(company=world.company, period_start=MONTH.end)
    adjustment = MoneyEntry.objects.get(company_invoice=november, tickets__lt=0)
    assert (adjustment.tickets, adjustment.amount_yen) == (-1, -RATE)
    assert "2026-10" in adjustment.description_ja and "2026-10" in adjustment.description_en
    # Over both invoices, the company pays for exactly what both months' reports now say.
    client.force_login(world.admin)
    reported = 0
    for month in ("2026-10", "2026-11"):
        url = f"/console/companies/{world.company.pk}/usage.csv?month={month}"
        reported += sum(int(r["tickets"]) for r in read_csv(client.get(url)))
    assert october_invoice.tickets + november.tickets == reported
    assert october_invoice.total_yen + november.total_yen == reported * RATE
    assert document_breaches() == [] and numbering_breaches() == []
    text = pdf_text(render_company_invoice_pdf(november))
    assert f"¥{-RATE:,}" in text and f"¥{november.total_yen:,}" in text


def test_the_money_pages_speak_japanese_and_english(client, world):
    client.force_login(world.employee)
    assert "領収書" in client.get("/receipts", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    english_reader = world.other_staff.__class__.objects.create_user(
        "en-desk@example.com", "x", is_staff=True, language="en"
    )
    client.force_login(world.secretariat)
    for url, japanese, english in (
        ("/console/money/invoices/", "法人向け請求書", "Company invoices"),
        ("/console/money/receipts/", "領収書", "Receipts"),
        ("/console/money/refunds/", "返金", "Refunds"),
        (f"/console/companies/{world.company.pk}/rate/", "チケット単価", "Price per ticket"),
    ):
        client.force_login(world.secretariat)  # language: ja
        assert japanese in client.get(url).content.decode(), url
        client.force_login(english_reader)
        assert english in client.get(url).content.decode(), url


def test_the_month_is_invoiced_once_its_last_stay_is_over(world):
    from officepass.accounts.models import User
    from officepass.stays.services import stay_check_in, stay_checkout
    from tests import factories

    late = factories.corporate_member("late@example.com")
    User.objects.filter(pk=late.pk).update(company=world.company)
    late.refresh_from_db()
    company_rate_set(
        company=world.company, yen_per_ticket=RATE, effective_from=MONTH.start, actor=None
    )
    with time_machine.travel(at(31, 23), tick=False) as clock:
        stay = stay_check_in(member=late, code=factories.code_for(world.space), minutes=240)
        clock.move_to(at(1, 0, 5, month=11))
        assert tasks.company_invoices_issue_due() == 0  # still inside: it may extend
        clock.move_to(at(1, 2, 30, month=11))
        stay_checkout(member=late, stay_id=stay.pk, unlock=False)
        assert tasks.company_invoices_issue_due() == 1
    invoice = CompanyInvoice.objects.get(company=world.company, period_start=MONTH.start)
    assert invoice.tickets == stay.tickets_consumed == 2
    assert invoice.total_yen == 2 * RATE
