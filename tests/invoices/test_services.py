"""The money ledger's two services payments calls: record_charge and record_refund."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.core.registry import all_breaches
from officepass.invoices.models import ImmutableError, MoneyEntry, Receipt, ReturnInvoice
from officepass.invoices.services import SaleLine, record_charge, record_refund
from tests import factories

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
PLAN = SaleLine("10回プラン 1か月", "10-use plan, 1 month", 13750, 10)


def charge(payer, reference="ch_1", lines=(PLAN,)):
    return record_charge(
        payer=payer, provider="fake", provider_reference=reference, occurred_at=AT, lines=lines
    )


def test_a_charge_issues_a_numbered_receipt_with_tax_per_rate():
    payer = factories.member()
    receipt = charge(payer)
    assert (receipt.number, receipt.payer, receipt.total_yen) == (1, payer, 13750)
    assert receipt.tax_yen == 1250  # floor(13750 × 10 / 110)
    assert receipt.rate_totals == {"10": {"total_yen": 13750, "tax_yen": 1250}}
    assert receipt.issuer_registration_number == "T9234567890123"
    assert receipt.issued_at is not None
    entry = MoneyEntry.objects.get()
    assert (entry.kind, entry.amount_yen, entry.tax_rate_percent) == ("charge", 13750, 10)
    assert AuditEntry.objects.filter(action="money.charge").count() == 1
    assert charge(factories.member("b@example.com"), "ch_2").number == 2
    assert all_breaches() == []


def test_a_repeated_charge_returns_the_first_receipt_and_writes_nothing():
    payer = factories.member()
    first = charge(payer)
    again = charge(payer)
    assert again.pk == first.pk
    assert (Receipt.objects.count(), MoneyEntry.objects.count()) == (1, 1)


def test_a_refund_is_a_new_negative_entry_with_a_return_invoice():
    receipt = charge(factories.member())
    document = record_refund(
        receipt=receipt,
        amount_yen=5000,
        reason="二重課金",
        provider="fake",
        provider_reference="re_1",
        occurred_at=AT,
        actor=None,
    )
    assert isinstance(document, ReturnInvoice)
    assert (document.number, document.total_yen, document.tax_yen) == (1, 5000, 454)
    refund = MoneyEntry.objects.get(kind="refund")
    assert (refund.amount_yen, refund.refunds_charge.receipt) == (-5000, receipt)
    again = record_refund(
        receipt=receipt,
        amount_yen=5000,
        reason="二重課金",
        provider="fake",
        provider_reference="re_1",
        occurred_at=AT,
        actor=None,
    )
    assert again.pk == document.pk and MoneyEntry.objects.count() == 2
    assert all_breaches() == []


def test_refunds_never_exceed_the_charge():
    receipt = charge(factories.member())
    record_refund(
        receipt=receipt,
        amount_yen=13000,
        reason="a",
        provider="fake",
        provider_reference="re_1",
        occurred_at=AT,
        actor=None,
    )
    with pytest.raises(DomainError) as error:
        record_refund(
            receipt=receipt,
            amount_yen=751,
            reason="b",
            provider="fake",
            provider_reference="re_2",
            occurred_at=AT,
            actor=None,
        )
    assert error.value.code == "refund_exceeds_charge"
    assert ReturnInvoice.objects.count() == 1


def test_bad_lines_are_refused_with_a_code():
    payer = factories.member()
    for line, code in [
        (SaleLine("x", "x", 0, 10), "invalid_amount"),
        (SaleLine("x", "x", 100, 5), "invalid_tax_rate"),
    ]:
        with pytest.raises(DomainError) as error:
            charge(payer, lines=(line,))
        assert error.value.code == code
    assert Receipt.objects.count() == 0


def test_ledger_and_documents_refuse_updates_and_deletes():
    receipt = charge(factories.member())
    entry = MoneyEntry.objects.get()
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        receipt.delete()
    with pytest.raises(ImmutableError):
        MoneyEntry.objects.filter(pk=entry.pk).update(amount_yen=1)
    with pytest.raises(ImmutableError):
        Receipt.objects.all().delete()


def test_the_database_refuses_a_charge_with_a_negative_amount():
    receipt = charge(factories.member())
    with pytest.raises(IntegrityError), transaction.atomic():
        MoneyEntry.objects.create(
            kind="charge",
            amount_yen=-1,
            tax_rate_percent=10,
            description_ja="x",
            description_en="x",
            payer=receipt.payer,
            receipt=receipt,
            occurred_at=AT,
            created_at=AT,
        )


def test_postgresql_itself_refuses_updates_and_deletes(on_postgres):
    from django.db import connection

    charge(factories.member())
    for statement in (
        "UPDATE invoices_moneyentry SET amount_yen = 1",
        "DELETE FROM invoices_receipt",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
