from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    """A membership plan; figures are data, not code (docs/rules.md, "Plans")."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        CORPORATE = "corporate", _("Corporate")

    code = models.SlugField(unique=True)
    # The Japanese name (the default language); `name_en` is shown in English.
    name = models.CharField(max_length=100, verbose_name=_("Name (Japanese)"))
    name_en = models.CharField(max_length=100, blank=True, verbose_name=_("Name (English)"))
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tickets_per_cycle = models.PositiveIntegerField(default=0)
    extensions_need_tickets = models.BooleanField(default=True)
    postpaid = models.BooleanField(default=False)
    # Yen a month, consumption tax included (0: not sold by card, e.g. corporate postpaid).
    monthly_price_yen = models.PositiveIntegerField(default=0)
    tax_rate_percent = models.PositiveSmallIntegerField(default=10)
    # The add-on pack sold at this plan's tier (0 tickets or no price: none on sale).
    addon_pack_tickets = models.PositiveIntegerField(default=5)
    addon_pack_price_yen = models.PositiveIntegerField(default=0)
    # Which offices and seat types the plan covers; empty means all (docs/rules.md: some offices or
    # seat types may be limited to certain plans). Checked at check-in: `plan_not_valid_here`.
    offices = models.ManyToManyField("offices.Office", blank=True, related_name="+")
    seat_types = models.JSONField(default=list, blank=True)
    # Retired plans are not sold any more; their members keep them until they change.
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tax_rate_percent__lte=100), name="plan_tax_rate_percent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str = "ja") -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def sold_by_card(self) -> bool:
        """A plan paid monthly by card: its cycles follow the payments, not the calendar."""
        return self.monthly_price_yen > 0 and not self.postpaid


company_code_validator = RegexValidator(r"^\d{16}$", _("A company code has 16 digits."))


class Company(models.Model):
    """A corporate customer; employees join with its 16-digit code."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=16, unique=True, validators=[company_code_validator])
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT)

    class Meta:
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{16}$"), name="company_code_16_digits"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CompanyApplication(models.Model):
    """A company asking for a corporate account; the secretariat screens it. Approval creates
    the company (with its 16-digit code) and makes the applicant its admin."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for screening")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    applicant = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="company_applications"
    )
    company_name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=40, blank=True)
    employees = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="approved", company__isnull=False)
                | ~models.Q(status="approved"),
                name="approved_application_has_company",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.status})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address: member, operator staff or secretariat.

    Secretariat = `is_staff`; operator staff = `operator` set; corporate admin =
    `is_company_admin` with `company` set. A member uses the pass through `plan`.
    """

    class Language(models.TextChoices):
        JA = "ja", "日本語"
        EN = "en", "English"

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.JA)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.PROTECT)
    is_company_admin = models.BooleanField(default=False)
    # Set by the corporate admin: tickets this employee may use per calendar month.
    monthly_ticket_cap = models.PositiveIntegerField(null=True, blank=True)
    operator = models.ForeignKey(
        "offices.Operator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("Set for operator staff: they run this operator's offices."),
    )
    # End of the current monthly ticket cycle; the worker rolls it over.
    cycle_ends_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The day of the month cycles end on (network calendar), kept so a cycle ending on the
    # 31st ends on 28 Feb and then 31 Mar again; empty: the day `cycle_ends_at` first had.
    cycle_anchor_day = models.PositiveSmallIntegerField(null=True, blank=True)
    # Set while the member's plan is paid by a card subscription: each cycle then starts with
    # a renewal payment (payments app), not with the calendar; the worker does not roll it.
    cycle_paid_by_card = models.BooleanField(default=False)
    # After a failed renewal: from this instant check-ins are refused (`payment_required`)
    # until a payment comes; empty while paid up. A running stay is never cut short.
    payment_grace_ends_at = models.DateTimeField(null=True, blank=True)
    # Set at sign-up until the link in the verification mail is opened: no sign-in before.
    email_unverified = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored. Expires and can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


class LoginFailure(models.Model):
    """A failed sign-in, counted per e-mail address (account lockout) and per client address
    (throttling of one client guessing across many accounts)."""

    email = models.CharField(max_length=254, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.email} at {self.created_at:%Y-%m-%d %H:%M}"
