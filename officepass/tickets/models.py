from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TicketAccount(models.Model):
    """Cached balance of a member's ledger, updated in the same transaction as each entry.

    `reconcile` checks balance == sum(entries). Postpaid (corporate) accounts may go below
    zero: their consumption is counted for the invoice, never refused for balance.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="ticket_account",
    )
    balance = models.IntegerField(default=0)
    postpaid = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(postpaid=True) | Q(balance__gte=0),
                name="ticket_balance_not_negative_unless_postpaid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.balance}"


class LedgerEntry(models.Model):
    """An append-only movement of tickets. Corrections are new entries, never edits."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Monthly grant")
        CONSUME = "consume", _("Used")
        REFUND = "refund", _("Refund")
        EXPIRE = "expire", _("Expired")
        PURCHASE = "purchase", _("Add-on pack")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tickets = models.IntegerField()
    balance_after = models.IntegerField()
    reason = models.CharField(max_length=300, blank=True)
    stay = models.ForeignKey(
        "stays.Stay", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    effective_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Makes grants and cycle closes safe to run twice (several workers, retries).
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-effective_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-effective_at"]),
            # Monthly reports subtract refunds: few rows, found by time without the rest.
            models.Index(
                fields=["effective_at"],
                include=["stay", "tickets"],
                condition=Q(kind="refund"),
                name="ledger_refund_by_time",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(tickets=0), name="ledger_entry_moves_tickets"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["consume", "expire"], tickets__lt=0)
                    | Q(kind__in=["grant", "refund", "purchase"], tickets__gt=0)
                ),
                name="ledger_entry_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.tickets:+d} → {self.balance_after}"
