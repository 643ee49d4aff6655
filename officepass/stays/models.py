from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class StayQuerySet(models.QuerySet["Stay"]):
    def running(self, at: datetime) -> "StayQuerySet":
        """Stays still running at `at`: active and before their deadline (Stay.is_running)."""
        return self.filter(status=Stay.Status.ACTIVE, deadline__gt=at)


class Stay(models.Model):
    """One check-in. It is over at `deadline` whatever the worker has done yet
    (docs/architecture.md, decision 4)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Checked in")
        CHECKED_OUT = "checked_out", _("Checked out")
        FORCED_OUT = "forced_out", _("Checked out by force")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stays"
    )
    space = models.ForeignKey("offices.Space", on_delete=models.PROTECT, related_name="stays")
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="stays")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    # deadline − the office's extension window: from here on the stay can be extended.
    extension_opens_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    minutes = models.PositiveIntegerField(help_text=_("Minutes chosen, extensions included."))
    tickets_consumed = models.PositiveIntegerField(default=0)
    # Refunded so far (tickets.services.ticket_refund_for_stay, under this row's lock).
    tickets_refunded = models.PositiveIntegerField(default=0)
    extensions = models.PositiveIntegerField(default=0)
    # Set when the T−15 reminder went out, so several workers send it once.
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = StayQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["status", "extension_opens_at"]),
            models.Index(fields=["space", "status"]),
            models.Index(fields=["member", "-started_at"]),
            models.Index(fields=["office", "started_at"]),
            # Monthly reports read a month of stays from this index alone (PostgreSQL).
            models.Index(
                fields=["started_at"],
                include=[
                    "id",
                    "office",
                    "member",
                    "status",
                    "tickets_consumed",
                    "ended_at",
                    "deadline",
                ],
                name="stay_started_report_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="active"),
                name="one_active_stay_per_member",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("started_at")), name="stay_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(tickets_refunded__lte=F("tickets_consumed")),
                name="stay_refunds_within_consumption",
            ),
        ]

    def __str__(self) -> str:
        return f"stay {self.pk} ({self.status})"

    def is_running(self, at: datetime) -> bool:
        """Still running at `at`: active and before its deadline. A stay past its deadline is
        over whether or not the worker has recorded it (docs/rules.md, rule 10); this is the one
        place that says so (StayQuerySet.running is its query form)."""
        return self.status == self.Status.ACTIVE and at < self.deadline


class AvailabilityChange(models.Model):
    """A space whose availability changed; written in the changing transaction.

    Event streams in every web process read this log after their last id, so a change made by
    any process reaches every viewer (docs/architecture.md, decision 8). The worker prunes old rows.
    """

    space = models.ForeignKey("offices.Space", on_delete=models.CASCADE, related_name="+")
    office_id = models.BigIntegerField()
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"space {self.space_id} changed"
