from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from officepass.offices import hours, images

REGISTRATION_NUMBER_PATTERN = r"^T[0-9]{13}$"


class Operator(models.Model):
    """A company that runs partner offices."""

    name = models.CharField(max_length=200)
    # Settlement: what the pass pays the operator per ticket consumed (yen).
    # The opening rate, in force before the operator's first effective-dated payout rate
    # (settlement.PayoutRate): rates are appended there, never overwritten here.
    payout_per_ticket = models.PositiveIntegerField(default=0)
    # Qualified-invoice issuer registration number (T + 13 digits), printed on the monthly
    # payout statement so that it can serve as the buyer-issued purchase statement.
    registration_number = models.CharField(max_length=14, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(registration_number="")
                | Q(registration_number__regex=REGISTRATION_NUMBER_PATTERN),
                name="operator_registration_number_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    """One location. Rules that depend on the clock use the office's own time zone."""

    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="offices")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    lat = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lng = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    timezone = models.CharField(max_length=64, default="Asia/Tokyo")
    # {"mon": ["08:00", "22:00"], ..., "sun": null}; null = closed that weekday;
    # ["00:00", "24:00"] = open all day (consecutive all-day days join up).
    opening_hours = models.JSONField(default=hours.always_open)
    closed_dates = models.JSONField(default=list, blank=True, help_text=_("ISO dates closed."))
    unit_minutes = models.PositiveIntegerField(default=120, validators=[MinValueValidator(1)])
    step_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Selectable durations are multiples of this.")
    )
    max_stay_minutes = models.PositiveIntegerField(default=480, validators=[MinValueValidator(1)])
    extension_window_minutes = models.PositiveIntegerField(default=15)
    # Fair use (docs/rules.md, "Beyond the fourteen rules"): whole unused units come back.
    fair_use_refunds = models.BooleanField(
        default=False, help_text=_("Refund whole unused units when a member checks out early.")
    )
    help_desk_phone = models.CharField(max_length=32, blank=True)
    rules_allowed = models.JSONField(default=list, blank=True)
    rules_forbidden = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["lat", "lng"], name="office_lat_lng")]
        constraints = [
            models.CheckConstraint(condition=Q(unit_minutes__gt=0), name="office_unit_positive"),
            models.CheckConstraint(
                condition=Q(max_stay_minutes__gt=0), name="office_max_stay_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def step(self) -> int:
        return self.step_minutes or self.unit_minutes

    def clean(self) -> None:
        try:
            hours.validate(self.opening_hours, self.closed_dates, self.timezone)
        except hours.HoursError as exc:
            error = ValidationError(str(exc), code=exc.code)
            raise ValidationError({"opening_hours": error}) from exc


class SeatType(models.TextChoices):
    OPEN = "open", _("Open seats")
    PRIVATE_ROOM = "private_room", _("Private room")
    BOOTH = "booth", _("Booth")
    BOX = "box", _("Box")


def seat_image_path(instance: "Space", filename: str) -> str:
    """Named by us (see offices.images); kept here because migrations refer to it."""
    return images.seat_image_path(instance, filename)


class Space(models.Model):
    """A seat area with its own door code, lock and quota for pass members.

    `in_use` is a counter claimed by one guarded UPDATE at check-in (docs/architecture.md,
    decision 3).
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="spaces")
    name = models.CharField(max_length=200)
    seat_type = models.CharField(max_length=16, choices=SeatType.choices)
    quota = models.PositiveIntegerField(default=2)
    in_use = models.PositiveIntegerField(default=0)
    seat_image = models.FileField(upload_to=seat_image_path, blank=True)
    # Bumped on re-issue: older codes stop working.
    code_version = models.PositiveIntegerField(default=1)
    # A tablet at the door shows a code that changes every 30 s; printed codes stop working.
    rotating_display = models.BooleanField(
        default=False, help_text=_("Only the rotating door display's codes are accepted.")
    )
    lock_driver = models.CharField(max_length=32, blank=True)
    lock_settings = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(in_use__gte=0) & Q(in_use__lte=F("quota")),
                name="space_in_use_between_0_and_quota",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office.name} / {self.name}"

    @property
    def remaining(self) -> int:
        return max(self.quota - self.in_use, 0)


class DoorDisplay(models.Model):
    """A tablet at a door with its own revocable link: it may only show its space's rotating
    code, so whoever holds it holds no staff session (no force checkouts, no refunds)."""

    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="displays")
    label = models.CharField(max_length=100)
    # SHA-256 of the link's secret; the secret itself is shown once, when the link is made.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.space} / {self.label}"
