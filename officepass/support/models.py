from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TroubleReport(models.Model):
    """A member's report to the secretariat (rule 13: the door would not open, or other)."""

    class Kind(models.TextChoices):
        ENTRY_UNLOCK = "entry_unlock", _("The door would not open on entry")
        EXIT_UNLOCK = "exit_unlock", _("The door would not open on exit")
        OTHER = "other", _("Other")
        LOCK_RELIABILITY = "lock_reliability", _("A door fails too often (raised by officepass)")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")

    # None for a report officepass raises by itself (a door below its reliability threshold).
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trouble_reports",
    )
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    stay = models.ForeignKey("stays.Stay", null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.TextField(max_length=4000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    diagnostics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    # Who works on it now (their history is in the entries); staff of the office's operator
    # or the secretariat.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_trouble_reports",
    )

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class TroubleEntry(models.Model):
    """The report's timeline, append-only: internal notes, replies the member sees (and gets
    by e-mail), status changes and assignments. The author's label is kept, so an entry
    still says who wrote it after their account is gone."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Internal note")
        REPLY = "reply", _("Reply to the member")
        STATUS = "status", _("Status changed")
        ASSIGN = "assign", _("Assigned")

    report = models.ForeignKey(TroubleReport, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=254, blank=True)
    body = models.TextField(max_length=4000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind__in=["note", "reply"]) | ~models.Q(body=""),
                name="trouble_entry_note_or_reply_has_text",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.report_id}"
