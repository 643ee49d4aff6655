"""Web Push subscriptions, per-kind preferences, the outbox of notifications and their
deliveries, seat alerts and favourite offices (docs/architecture.md, "Layers": this app reads
the committed rows of the apps below it and is never called by them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    EXTENSION_OPEN = "extension_open", _("Extension opens (before the deadline)")
    DEADLINE_SOON = "deadline_soon", _("5 minutes before the deadline")
    FORCED_OUT = "forced_out", _("Checked out at the deadline")
    STAFF_ENDED = "staff_ended", _("Staff ended the stay")
    TROUBLE_REPLY = "trouble_reply", _("A reply to a trouble report")
    SEAT_FREE = "seat_free", _("A seat alert")


class PushSubscription(models.Model):
    """One browser's push endpoint (the PushSubscription the service worker made)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"push {self.pk} of {self.member_id}"


class PushPreference(models.Model):
    """A kind the member turned push off for (absent row: push on). E-mail is the fallback."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    push = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="push_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} push={self.push}"


class Notification(models.Model):
    """One event a member is told about, written once (the outbox): `key` names the event
    (a stay and its deadline, an audit row, a seat alert), so finding it twice adds nothing."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=1000)
    url = models.CharField(max_length=200)
    created_at = models.DateTimeField(db_index=True)
    # For the stay reminders: the stay and the deadline told about, so the worker finds the
    # stays not yet told with one anti-join (the key says the same, for uniqueness).
    stay = models.ForeignKey(
        "stays.Stay", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    deadline = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="notification_once_per_event")
        ]
        indexes = [models.Index(fields=["stay", "kind", "deadline"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Delivery(models.Model):
    """One notification to one channel: a push subscription or the member's e-mail.

    Unique per (notification, target), and sent by the worker that claims it with a guarded
    UPDATE (pending → sending), so several workers send each one once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        GONE = "gone", _("Subscription expired")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    # "push:<subscription id>" or "email"; the subscription row may be deleted (410).
    target = models.CharField(max_length=40)
    subscription = models.ForeignKey(
        PushSubscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The claim that holds a `sending` row: the worker reads back exactly the rows it claimed.
    claim = models.UUIDField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "target"], name="delivery_once_per_target"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="delivery_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.target} ({self.status})"


class SeatAlert(models.Model):
    """ "Tell me when a seat frees": once, until `expires_at`; reserves nothing."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seat_alerts"
    )
    space = models.ForeignKey("offices.Space", on_delete=models.CASCADE, related_name="+")
    # Fire when the space shows this or better: "free" (any seat, from ×) or "plenty" (○).
    want = models.CharField(max_length=8, default="free")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["fired_at", "expires_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "space"],
                condition=Q(fired_at__isnull=True),
                name="one_waiting_alert_per_space",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="alert_expires_after"
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.member_id} space {self.space_id}"


class Favourite(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites"
    )
    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "office"], name="favourite_once")]

    def __str__(self) -> str:
        return f"{self.member_id} ★ {self.office_id}"
