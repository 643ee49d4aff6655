"""Documents: the PDFs carry the six items of a qualified invoice (checked with pdftotext),
tax is rounded once per rate per document (Hypothesis), the issuer settings are checked at
start-up, and reconcile recomputes every figure and every number."""

import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from officepass.core.registry import all_breaches
from officepass.invoices.checks import document_breaches, numbering_breaches
from officepass.invoices.issuer import check_digit, registration_number_problem
from officepass.invoices.models import MoneyEntry
from officepass.invoices.pdf import render_receipt_pdf, render_return_invoice_pdf
from officepass.invoices.services import SaleLine, record_charge, record_refund
from officepass.invoices.tax import rate_totals, tax_included
from tests import factories

AT = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 2026-04-01 00:30 in Tokyo


def _poppler(name: str, *args: str, body: bytes) -> str:
    tool = shutil.which(name)
    assert tool, "needs poppler-utils: scripts/system-deps.sh"
    done = subprocess.run([tool, *args], input=body, capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode()


def pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF")
    return _poppler("pdftotext", "-layout", "-", "-", body=body)


def pdf_fonts(body: bytes) -> str:
    return _poppler("pdffonts", "-", body=body)


@pytest.mark.django_db
def test_the_receipt_pdf_shows_issuer_number_date_items_and_tax_per_rate(settings):
    settings.INVOICE_ISSUER_NAME_JA = "テスト事務局株式会社"
    settings.INVOICE_ISSUER_REGISTRATION_NUMBER = "T7000012050002"
    payer = factories.member()
    receipt = record_charge(
        payer=payer,
        provider="fake",
        provider_reference="ch_1",
        occurred_at=AT,
        lines=[
            SaleLine("10回プラン", "10-use plan", 13750, 10),
            SaleLine("追加5回パック", "Add-on pack of 5", 8800, 10),
            SaleLine("ドリンク", "Drink", 1080, 8),
        ],
    )
    body = render_receipt_pdf(receipt)
    text = pdf_text(body)
    for expected in (
        "領収書",
        "テスト事務局株式会社",
        "T7000012050002",
        "2026-04-01",  # the network's date (Tokyo)
        "10回プラン",
        "Add-on pack of 5",
        "¥22,550",  # 13,750 + 8,800 at 10%
        "¥2,050",  # floor(22,550 × 10/110): once for the rate, not 1,250 + 800 per line
        "¥1,080",
        "¥80",  # floor(1,080 × 8/108)
        "¥23,630",
        "¥2,130",
        receipt.code,
    ):
        assert expected in text, expected
    fonts = pdf_fonts(body).splitlines()[2:]  # after the header: one line per font
    assert fonts and all("IPAGothic" in f for f in fonts), fonts
    assert all(f.split()[-5:-2] == ["yes", "yes", "yes"] for f in fonts), fonts  # emb sub uni


@pytest.mark.django_db
def test_the_return_invoice_pdf_names_the_receipt_and_the_refund_per_rate():
    receipt = record_charge(
        payer=factories.member(),
        provider="fake",
        provider_reference="ch_1",
        occurred_at=AT,
        lines=[SaleLine("10回プラン", "10-use plan", 13750, 10)],
    )
    document = record_refund(
        receipt=receipt,
        amount_yen=13750,
        reason="解約 / cancelled",
        provider="fake",
        provider_reference="re_1",
        occurred_at=AT,
        actor=None,
    )
    text = pdf_text(render_return_invoice_pdf(document))
    for expected in ("返還インボイス", "T9234567890123", receipt.code, "¥13,750", "¥1,250"):
        assert expected in text, expected


lines_strategy = st.lists(
    st.tuples(st.integers(min_value=1, max_value=2_000_000), st.sampled_from([10, 8, 0])),
    min_size=1,
    max_size=30,
)


@given(lines=lines_strategy)
def test_tax_is_rounded_once_per_rate_and_totals_sum_to_the_lines(lines):
    totals = rate_totals(lines)
    assert sum(t.total_yen for t in totals) == sum(amount for amount, _ in lines)
    for t in totals:
        at_rate = sum(amount for amount, rate in lines if rate == t.rate_percent)
        assert t.total_yen == at_rate
        assert t.tax_yen == at_rate * t.rate_percent // (100 + t.rate_percent)
        assert t.net_yen + t.tax_yen == t.total_yen
    per_line = sum(tax_included(amount, rate) for amount, rate in lines)
    assert sum(t.tax_yen for t in totals) >= per_line  # per-line rounding loses yen


@pytest.mark.django_db(transaction=True)
@settings(max_examples=25, deadline=None)
@given(lines=lines_strategy, refund_share=st.floats(min_value=0.01, max_value=1))
def test_documents_and_the_ledger_agree_for_random_sales(lines, refund_share):
    payer = factories.User.objects.get_or_create(email="h@example.com")[0]
    reference = f"ch_{MoneyEntry.objects.count()}"
    receipt = record_charge(
        payer=payer,
        provider="fake",
        provider_reference=reference,
        occurred_at=AT,
        lines=[SaleLine("品", "item", amount, rate) for amount, rate in lines],
    )
    ledger = list(receipt.entries.values_list("amount_yen", "tax_rate_percent"))
    assert receipt.total_yen == sum(a for a, _ in ledger)
    assert receipt.tax_yen == sum(t.tax_yen for t in rate_totals(ledger))
    refund = max(1, int(receipt.total_yen * refund_share))
    document = record_refund(
        receipt=receipt,
        amount_yen=refund,
        reason="x",
        provider="fake",
        provider_reference=f"re_{reference}",
        occurred_at=AT,
        actor=None,
    )
    back = list(document.entries.values_list("amount_yen", "tax_rate_percent"))
    assert -sum(a for a, _ in back) == document.total_yen == refund
    assert all_breaches() == []


def test_the_registration_number_check_digit_follows_the_nta_rule():
    assert check_digit("000012050002") == 7  # 国税庁's own corporate number 7000012050002
    assert registration_number_problem("T7000012050002") is None
    for bad in ("7000012050002", "T700001205000", "T70000120500021", "t7000012050002", ""):
        assert "13 digits" in (registration_number_problem(bad) or ""), bad
    assert "check digit" in (registration_number_problem("T1000012050002") or "")


def test_a_malformed_registration_number_stops_start_up(settings):
    settings.INVOICE_ISSUER_REGISTRATION_NUMBER = "T123"
    with pytest.raises(SystemCheckError, match=r"invoices\.E001"):
        call_command("check")


@pytest.mark.django_db
def test_reconcile_finds_a_tampered_figure_and_a_gap_in_the_numbers():
    receipt = record_charge(
        payer=factories.member(),
        provider="fake",
        provider_reference="ch_1",
        occurred_at=AT,
        lines=[SaleLine("10回プラン", "10-use plan", 13750, 10)],
    )
    assert all_breaches() == []
    with connection.cursor() as cursor:  # what only a bypass of the guards could do
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE invoices_receipt SET tax_yen = 1251, number = 2")
    assert any("1251" in p for p in document_breaches())
    assert any("highest number is 2" in p for p in numbering_breaches())
    assert receipt.pk


def test_an_empty_issuer_name_stops_start_up(settings):
    settings.INVOICE_ISSUER_NAME_EN = " "
    with pytest.raises(SystemCheckError, match=r"invoices\.E002"):
        call_command("check")


@pytest.mark.django_db
def test_reconcile_finds_a_company_line_not_priced_at_the_invoice_price():
    from officepass.accounts.models import Company
    from officepass.invoices.checks import company_line_breaches
    from officepass.invoices.models import CompanyInvoice

    company = Company.objects.create(
        name="K.K.", code="1111222233334444", plan=factories.corporate_plan()
    )
    employee = factories.corporate_member()
    invoice = CompanyInvoice.objects.create(
        number=1,
        issued_at=AT,
        issuer_name_ja="x",
        issuer_name_en="x",
        issuer_registration_number="T7000012050002",
        total_yen=3000,
        tax_yen=272,
        rate_totals={"10": {"total_yen": 3000, "tax_yen": 272}},
        company=company,
        recipient_name="K.K.",
        period_start=AT,
        period_end=AT,
        tickets=2,
        yen_per_ticket=1000,
        tax_rate_percent=10,
    )
    MoneyEntry.objects.create(
        kind="invoice_line",
        amount_yen=3000,
        tax_rate_percent=10,
        description_ja="x",
        description_en="x",
        payer=employee,
        company=company,
        tickets=2,
        company_invoice=invoice,
        occurred_at=AT,
        created_at=AT,
    )
    assert company_line_breaches() == [
        "company_invoice 1: line "
        f"{MoneyEntry.objects.get().pk} is 3000 yen for 2 tickets at 1000 yen"
    ]
