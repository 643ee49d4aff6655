"""Settlement: effective-dated payout rates and the monthly payout statements made from the
ticket ledger (docs/architecture.md, decision 14: documents are frozen, figures recompute).

A rate is never edited: a new rate is a new row with the network date it starts on, and it
holds until the next row of the same scope. A statement is written once, at its close, with
one row per ledger entry it counts (`StatementEntry`, unique per entry), so every line is
traceable to its stays and no entry is ever paid twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PayoutRate(models.Model):
    """Yen per ticket paid to an operator (tax included), from `effective_from` (a date on the
    network's calendar) until the next rate of the same scope. With `office`, the rate applies
    to that office only and wins over the operator's rate."""

    operator = models.ForeignKey(
        "offices.Operator", on_delete=models.PROTECT, related_name="payout_rates"
    )
    office = models.ForeignKey(
        "offices.Office",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_rates",
    )
    yen_per_ticket = models.PositiveIntegerField()
    effective_from = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["operator_id", "office_id", "-effective_from"]
        constraints = [
            # One rate per scope and start date: two rates can never hold on the same day.
            models.UniqueConstraint(
                fields=["operator", "effective_from"],
                condition=Q(office__isnull=True),
                name="payout_rate_one_per_operator_day",
            ),
            models.UniqueConstraint(
                fields=["office", "effective_from"],
                condition=Q(office__isnull=False),
                name="payout_rate_one_per_office_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.yen_per_ticket} yen/ticket from {self.effective_from}"


class Statement(models.Model):
    """An operator's payout statement for one network month, frozen at its close; the operator
    confirms it (it then serves as the buyer-issued purchase statement, 仕入明細書)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CONFIRMED = "confirmed", _("Confirmed by the operator")

    operator = models.ForeignKey(
        "offices.Operator", on_delete=models.PROTECT, related_name="statements"
    )
    month = models.DateField(help_text=_("First day of the network month."))
    number = models.CharField(max_length=32, unique=True)
    closed_at = models.DateTimeField()
    # Frozen copies of what the document shows.
    operator_name = models.CharField(max_length=200)
    operator_registration_number = models.CharField(max_length=14, blank=True)
    issuer_name = models.CharField(max_length=200)
    issuer_registration_number = models.CharField(max_length=14, blank=True)
    tax_rate_percent = models.PositiveIntegerField()
    stays = models.PositiveIntegerField(default=0)
    tickets = models.IntegerField(default=0)
    amount = models.IntegerField(default=0, help_text=_("Yen, tax included."))
    tax_amount = models.IntegerField(default=0, help_text=_("Yen, consumption tax included."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ISSUED)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "operator_id"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "month"], name="statement_one_per_month"),
            models.CheckConstraint(
                condition=Q(status="issued", confirmed_at__isnull=True)
                | Q(status="confirmed", confirmed_at__isnull=False),
                name="statement_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class StatementLine(models.Model):
    """One office at one rate: its stays, tickets and amount (tickets × rate). Usage lines
    count the month's stays; adjustment lines count entries written after an earlier close
    (refunds, late extensions) for stays of earlier months."""

    class Kind(models.TextChoices):
        USAGE = "usage", _("Usage")
        ADJUSTMENT = "adjustment", _("Adjustment")

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    office_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    yen_per_ticket = models.PositiveIntegerField()
    stays = models.PositiveIntegerField()
    tickets = models.IntegerField()
    amount = models.IntegerField()

    class Meta:
        ordering = ["kind", "office_name", "office_id", "-yen_per_ticket"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "office", "kind", "yen_per_ticket"],
                name="statement_line_one_per_office_kind_rate",
            ),
            models.CheckConstraint(
                condition=Q(amount=F("tickets") * F("yen_per_ticket")),
                name="statement_line_amount_is_tickets_times_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_name} {self.kind} {self.tickets} × {self.yen_per_ticket}"


class StatementEntry(models.Model):
    """A ledger entry counted by a statement line: consume entries pay (+tickets), refund
    entries take back (−tickets). Unique per entry, so nothing is counted twice."""

    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="entries")
    ledger_entry = models.OneToOneField(
        "tickets.LedgerEntry", on_delete=models.PROTECT, related_name="statement_entry"
    )
    stay = models.ForeignKey("stays.Stay", on_delete=models.PROTECT, related_name="+")
    tickets = models.IntegerField()

    def __str__(self) -> str:
        return f"entry {self.ledger_entry_id} → line {self.line_id}"
