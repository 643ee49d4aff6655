"""The money ledger (yen, append-only) and the documents made from it (docs/money.md).

Every amount is an integer number of yen, tax included, with its consumption tax rate.
Entries and documents are never edited or deleted: `AppendOnly` refuses it in Python and a
PostgreSQL trigger refuses it in the database (migration 0002). A correction is a new entry.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TAX_RATES = (10, 8, 0)


class ImmutableError(Exception):
    """An append-only row was asked to change or disappear."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableError(f"{self.model.__name__} is append-only: no updates")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableError(f"{self.model.__name__} is append-only: no deletes")


class AppendOnly(models.Model):
    """Rows written once: save() inserts only, update() and delete() raise."""

    objects: ClassVar[Any] = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} {self.pk} is issued: it cannot change")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError(f"{type(self).__name__} {self.pk} is append-only: no deletes")


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    RETURN_INVOICE = "return_invoice", _("Return invoice")
    COMPANY_INVOICE = "company_invoice", _("Invoice")


class DocumentCounter(models.Model):
    """The last number issued per document kind; taken with a row lock in the issuing
    transaction, so numbers are gap-free (a rollback returns the number) and unique."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.kind}: {self.last_number}"


class IssuedDocument(AppendOnly):
    """What every document freezes at issue: number, time, issuer, figures per tax rate."""

    number = models.PositiveIntegerField(unique=True)
    issued_at = models.DateTimeField(db_index=True)
    issuer_name_ja = models.CharField(max_length=200)
    issuer_name_en = models.CharField(max_length=200)
    issuer_registration_number = models.CharField(max_length=14)
    total_yen = models.IntegerField()
    tax_yen = models.IntegerField()
    # {"10": {"total_yen": 13750, "tax_yen": 1250}, ...}: the figures per rate, as printed.
    rate_totals = models.JSONField(default=dict)

    class Meta:
        abstract = True


class Receipt(IssuedDocument):
    """領収書 (qualified invoice) for one card charge."""

    PREFIX = "R"
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="receipts"
    )
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_name = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=32)
    provider_reference = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"], name="receipt_once_per_charge"
            ),
            models.CheckConstraint(condition=Q(total_yen__gt=0), name="receipt_total_positive"),
            models.CheckConstraint(condition=Q(number__gt=0), name="receipt_number_positive"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.PREFIX}-{self.number:07d}"


class ReturnInvoice(IssuedDocument):
    """返還インボイス for one money refund of a receipt's charge (figures positive)."""

    PREFIX = "RT"
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="return_invoices")
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="return_invoices"
    )
    reason = models.CharField(max_length=300)
    provider = models.CharField(max_length=32)
    provider_reference = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"], name="return_invoice_once_per_refund"
            ),
            models.CheckConstraint(
                condition=Q(total_yen__gt=0), name="return_invoice_total_positive"
            ),
            models.CheckConstraint(
                condition=Q(number__gt=0), name="return_invoice_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.PREFIX}-{self.number:07d}"


class CompanyInvoice(IssuedDocument):
    """適格請求書 for a company's postpaid use in one network month."""

    PREFIX = "INV"
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="invoices"
    )
    recipient_name = models.CharField(max_length=200)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    tickets = models.IntegerField(default=0)
    # The month's price per ticket (tax included) and its rate, frozen; empty when the
    # invoice carries only adjustments of earlier months.
    yen_per_ticket = models.PositiveIntegerField(null=True, blank=True)
    tax_rate_percent = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period_start"], name="company_invoice_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(number__gt=0), name="company_invoice_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.PREFIX}-{self.number:07d}"


class CompanyInvoicePayment(AppendOnly):
    """The secretariat's mark that a company invoice was paid (the invoice stays frozen)."""

    invoice = models.OneToOneField(CompanyInvoice, on_delete=models.PROTECT, related_name="payment")
    paid_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"invoice {self.invoice_id} paid {self.paid_at:%Y-%m-%d}"


class CompanyTicketRate(AppendOnly):
    """The price of one postpaid ticket for a company, tax included, from a date on.

    Effective-dated: the rate for a month is the newest one effective at the month's start;
    a change is a new row."""

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="ticket_rates"
    )
    yen_per_ticket = models.PositiveIntegerField()
    tax_rate_percent = models.PositiveSmallIntegerField(default=10)
    effective_from = models.DateTimeField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["company", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "effective_from"], name="company_rate_once_per_date"
            ),
            models.CheckConstraint(condition=Q(yen_per_ticket__gt=0), name="company_rate_positive"),
            models.CheckConstraint(
                condition=Q(tax_rate_percent__in=TAX_RATES), name="company_rate_tax_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.yen_per_ticket} yen from {self.effective_from:%Y-%m-%d}"


class ChargeRefunds(models.Model):
    """How much of a receipt's charge has been refunded: the guard of refunds ≤ charge.

    Raised with one guarded UPDATE … WHERE refunded_yen + x <= charged_yen in the refund's
    transaction (the row lock also serializes two refunds of one charge); a CHECK backs it."""

    receipt = models.OneToOneField(
        Receipt, primary_key=True, on_delete=models.PROTECT, related_name="refunds"
    )
    charged_yen = models.PositiveIntegerField()
    refunded_yen = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_yen__lte=models.F("charged_yen")),
                name="refunds_not_above_charge",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.refunded_yen}/{self.charged_yen} yen refunded"


class MoneyEntry(AppendOnly):
    """One movement of money in yen, tax included, with its tax rate. Append-only.

    charge > 0 (a card payment line, on a receipt); refund < 0 (money back, on a return
    invoice, naming the charge line it returns); invoice_line ≠ 0 (a company's postpaid use
    of one employee at one office in a month, on a company invoice; negative when ticket
    refunds outweigh use)."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Card payment")
        REFUND = "refund", _("Refund")
        INVOICE_LINE = "invoice_line", _("Invoice line")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount_yen = models.IntegerField()
    tax_rate_percent = models.PositiveSmallIntegerField()
    description_ja = models.CharField(max_length=300)
    description_en = models.CharField(max_length=300)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="money_entries"
    )
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        "offices.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tickets = models.IntegerField(null=True, blank=True)
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    return_invoice = models.ForeignKey(
        ReturnInvoice, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    company_invoice = models.ForeignKey(
        CompanyInvoice, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    refunds_charge = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refund_entries"
    )
    occurred_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate_percent__in=TAX_RATES), name="money_tax_rate_known"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="charge",
                        amount_yen__gt=0,
                        receipt__isnull=False,
                        return_invoice__isnull=True,
                        company_invoice__isnull=True,
                        refunds_charge__isnull=True,
                    )
                    | Q(
                        kind="refund",
                        amount_yen__lt=0,
                        receipt__isnull=True,
                        return_invoice__isnull=False,
                        company_invoice__isnull=True,
                        refunds_charge__isnull=False,
                    )
                    | Q(
                        kind="invoice_line",
                        receipt__isnull=True,
                        return_invoice__isnull=True,
                        company_invoice__isnull=False,
                        refunds_charge__isnull=True,
                    )
                    & ~Q(amount_yen=0)
                ),
                name="money_entry_shape_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_yen:+d} yen @{self.tax_rate_percent}%"
