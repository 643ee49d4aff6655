import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LockCommand(models.Model):
    """An unlock, recorded before it is sent (ARCHITECTURE 6): outcome and latency kept."""

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
    latency_ms = models.FloatField(null=True, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    response = models.JSONField(default=dict, blank=True)

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
