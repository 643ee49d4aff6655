"""Plans sold by card: checkout intents, subscriptions, payments, refunds and provider events.

Money itself is the invoices app's ledger (record_charge / record_refund); these rows say what
the provider was asked and told, and link each payment to the ticket grant it paid for.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CheckoutIntent(models.Model):
    """What a member asked to buy, committed before the provider is called (no network I/O
    inside a transaction): the provider's hosted page comes back as `url`."""

    class Kind(models.TextChoices):
        SUBSCRIPTION = "subscription", _("Monthly plan")
        ADDON = "addon", _("Add-on pack")

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        OPEN = "open", _("Waiting for payment")
        COMPLETED = "completed", _("Paid")
        FAILED = "failed", _("Provider not reachable")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkout_intents"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    plan = models.ForeignKey("accounts.Plan", on_delete=models.PROTECT, related_name="+")
    amount_yen = models.PositiveIntegerField()
    provider = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    session_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    # Where the member goes after paying (a door's check-in page, say); a local path only.
    next_path = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_yen} yen ({self.status})"


class Subscription(models.Model):
    """A member's monthly plan at the provider. The provider's payments move its cycle."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment failed")
        CANCELED = "canceled", _("Ended")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions"
    )
    plan = models.ForeignKey("accounts.Plan", on_delete=models.PROTECT, related_name="+")
    # Chosen by the member; takes effect when the next cycle's payment comes.
    next_plan = models.ForeignKey(
        "accounts.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.CharField(max_length=32)
    provider_customer_id = models.CharField(max_length=200, blank=True)
    provider_subscription_id = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    cancel_at_period_end = models.BooleanField(default=False)
    current_period_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_subscription_id"], name="subscription_unique_ref"
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=~Q(status="canceled"),
                name="one_live_subscription_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_subscription_id} ({self.status})"


class Payment(models.Model):
    """A charge the provider reported, paid or failed. Append-only; refunds are Refund rows.

    `grant` is the ticket ledger entry this payment paid for: at most one (one-to-one), and
    `reconcile` checks every paid grant has exactly one payment.
    """

    class Kind(models.TextChoices):
        FIRST = "first", _("First month")
        RENEWAL = "renewal", _("Renewal")
        ADDON = "addon", _("Add-on pack")

    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    plan = models.ForeignKey("accounts.Plan", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    amount_yen = models.PositiveIntegerField()
    tax_rate_percent = models.PositiveSmallIntegerField(default=10)
    provider = models.CharField(max_length=32)
    # The provider's invoice or payment id: one payment row per reference and status.
    provider_reference = models.CharField(max_length=200)
    # What the provider refunds against (Stripe: the PaymentIntent).
    provider_payment_id = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    period_end = models.DateTimeField(null=True, blank=True)
    grant = models.OneToOneField(
        "tickets.LedgerEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
    )
    receipt_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference", "status"], name="payment_unique_ref"
            ),
            models.CheckConstraint(
                condition=Q(status="paid") | Q(grant__isnull=True), name="payment_grant_if_paid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_yen} yen ({self.status})"


class Refund(models.Model):
    """A money refund decided by the secretariat (with reason), committed before the provider
    is asked; `succeeded` once the provider refunded and the return invoice was recorded."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Provider not reachable")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_yen = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    provider_reference = models.CharField(max_length=200, blank=True)
    return_invoice_id = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_yen__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="refund_has_reason"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount_yen} yen ({self.status})"


class WebhookEvent(models.Model):
    """Every provider event, stored before anything is done with it (unique by event id),
    processed once, retried from this table by the worker — never from memory."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.type}"
