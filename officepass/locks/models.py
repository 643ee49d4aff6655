import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LockCommand(models.Model):
    """An unlock, recorded before it is sent (docs/architecture.md, decision 6): outcome and
    latency kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        CONFIRMED = "confirmed", _("Door reported unlocked")
        ACCEPTED = "accepted", _("Lock service took the command")
        UNKNOWN = "unknown", _("Sent, no answer in time")
        FAILED = "failed", _("Not delivered")
        EXPIRED = "expired", _("Not sent before its deadline")

    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    space = models.ForeignKey("offices.Space", on_delete=models.PROTECT, related_name="+")
    stay = models.ForeignKey(
        "stays.Stay", null=True, blank=True, on_delete=models.PROTECT, related_name="lock_commands"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    purpose = models.CharField(max_length=16, default="unlock")
    driver = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    not_after = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set by one guarded UPDATE just before the first send: a command with it set may have
    # reached the door and is never sent again, by any process (the database decides).
    attempted_at = models.DateTimeField(null=True, blank=True)
    # The Idempotency-Key claim the command was made under: a retry that takes over a dead
    # attempt's claim finds this command instead of making a second one.
    idempotency_record = models.ForeignKey(
        "core.IdempotencyRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    latency_ms = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    response = models.JSONField(default=dict, blank=True)
    # Set for the credential calls (purpose cred_issue / cred_update / cred_revoke).
    credential = models.ForeignKey(
        "locks.LockCredential",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commands",
    )

    class Meta:
        indexes = [models.Index(fields=["space", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} {self.request_id} ({self.status})"


class LockHealth(models.Model):
    """What a lock last told us about itself (availability topic, webhook, status poll)."""

    space = models.OneToOneField(
        "offices.Space", primary_key=True, on_delete=models.CASCADE, related_name="lock_health"
    )
    online = models.BooleanField(default=False)
    state = models.CharField(max_length=16, default="unknown")
    seen_at = models.DateTimeField()
    # The applied event's own time (a signed webhook's timestamp; arrival for MQTT): an event
    # older than this changes nothing, so a late "offline" cannot undo a newer "online".
    reported_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"lock of space {self.space_id}: {'online' if self.online else 'offline'}"


class LockCredential(models.Model):
    """A time-boxed credential (PIN or access-key URL) a credential lock holds for one stay.

    `starts_at` / `ends_at` are the window we want (the stay's); `vendor_ends_at` is the end the
    vendor last confirmed, so a failed extension is visible. The PIN is the member's to read
    (the backup PIN) and is never written to logs or audit rows.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being issued")
        ACTIVE = "active", _("Issued")
        UNKNOWN = "unknown", _("Issue unconfirmed")
        FAILED = "failed", _("Not issued")
        REVOKING = "revoking", _("Being revoked")
        REVOKED = "revoked", _("Revoked")

    stay = models.OneToOneField(
        "stays.Stay", on_delete=models.PROTECT, related_name="lock_credential"
    )
    space = models.ForeignKey("offices.Space", on_delete=models.PROTECT, related_name="+")
    driver = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    pin = models.CharField(max_length=16, blank=True)
    url = models.URLField(max_length=500, blank=True)
    ref = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    vendor_ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"credential for stay {self.stay_id} ({self.status})"


class LockCloudAccount(models.Model):
    """An operator's connection to a lock cloud that onboards by OAuth authorization code
    (Akerun). The tokens are handed out by the vendor at run time, so they cannot be
    environment variables: they are kept only encrypted (Fernet, key from LOCK_TOKEN_KEY or
    SECRET_KEY), never shown, logged or audited."""

    vendor = models.CharField(max_length=32)
    name = models.CharField(max_length=64)
    operator = models.ForeignKey(
        "offices.Operator", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    access_token = models.TextField(blank=True)  # encrypted
    refresh_token = models.TextField(blank=True)  # encrypted
    expires_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField()
    # Claimed (a guarded UPDATE, committed) by the one process refreshing the tokens until then:
    # the vendor rotates the refresh token on use, so two refreshes at once lose the account.
    refreshing_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "name"], name="one_lock_cloud_account_name")
        ]

    def __str__(self) -> str:
        return f"{self.vendor} account {self.name}"
