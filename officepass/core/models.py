from django.conf import settings
from django.db import models

from officepass.core.actions import action_label


class AuditEntry(models.Model):
    """One row per state change, written in the same transaction as the change."""

    created_at = models.DateTimeField(db_index=True)
    # Who acted stays on the row whatever happens to the account: an account with audit rows
    # cannot be deleted (PROTECT; deactivate it instead), and its e-mail as it was then is kept
    # beside the id. Null actor = the system (worker, anonymous sign-in failures).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}#{self.target_id}"
        )

    @property
    def action_label(self) -> str:
        """The reader's label of the action (core/actions.py)."""
        return action_label(self.action)


class IdempotencyRecord(models.Model):
    """The first response to a state-changing POST, replayed for retries with the same key.

    `status_code` 0 means claimed and still running (docs/architecture.md, decision 12): `claim`
    names the attempt that holds it since `claimed_at`, so only that attempt stores the response.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # What the attempt did, written in the effect's own transaction ("stay.check_in:42"), so an
    # attempt that takes a dead claim over returns that effect instead of acting again.
    effect = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
