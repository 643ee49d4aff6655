"""Console forms: office and space set-up, refunds, statuses, plans."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officepass.accounts.models import Company, Plan
from officepass.console.hours_fields import DateListField, RulesField, WeekHoursField
from officepass.offices import hours, images
from officepass.offices.models import Office, SeatType, Space
from officepass.support.models import TroubleReport


class RetireFields(forms.Form):
    """Retiring (unticking "Open for members") asks for a reason and a ticked box; the reason
    goes into the audit row. Other edits need neither."""

    retire_reason = forms.CharField(max_length=300, required=False, label=_("Reason to retire"))
    retire_confirm = forms.BooleanField(required=False, label=_("Yes, retire it"))

    def check_retire(self, data: dict[str, Any], was_active: bool) -> None:
        if not (was_active and data.get("is_active") is False):
            return
        if not (data.get("retire_reason") or "").strip():
            self.add_error("retire_reason", _("Give the reason to retire it."))
        if not data.get("retire_confirm"):
            self.add_error("retire_confirm", _("Tick the box to retire it."))

    @property
    def retiring(self) -> bool:
        return bool(self.cleaned_data.get("retire_confirm")) and "is_active" in self.changed_data


class OfficeForm(RetireFields, forms.ModelForm):
    opening_hours = WeekHoursField(label=_("Opening hours"))
    closed_dates = DateListField(label=_("Closed dates (one per line)"))
    rules_allowed = RulesField(label=_("Allowed"))
    rules_forbidden = RulesField(label=_("Not allowed"))

    class Meta:
        model = Office
        fields = [
            "name",
            "address",
            "lat",
            "lng",
            "timezone",
            "opening_hours",
            "closed_dates",
            "unit_minutes",
            "step_minutes",
            "max_stay_minutes",
            "extension_window_minutes",
            "fair_use_refunds",
            "help_desk_phone",
            "rules_allowed",
            "rules_forbidden",
            "is_active",
        ]
        labels = {
            "name": _("Name"),
            "address": _("Address"),
            "lat": _("Latitude"),
            "lng": _("Longitude"),
            "timezone": _("Time zone"),
            "opening_hours": _("Opening hours"),
            "closed_dates": _("Closed dates"),
            "unit_minutes": _("Unit (minutes per ticket)"),
            "step_minutes": _("Step (minutes)"),
            "max_stay_minutes": _("Longest stay (minutes)"),
            "extension_window_minutes": _("Extension opens (minutes before the deadline)"),
            "fair_use_refunds": _("Fair use: refund whole unused units on early checkout"),
            "help_desk_phone": _("Help desk phone"),
            "rules_allowed": _("Allowed"),
            "rules_forbidden": _("Not allowed"),
            "is_active": _("Open for members"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            hours.validate(
                data.get("opening_hours"), data.get("closed_dates") or [], str(data.get("timezone"))
            )
        except hours.HoursError as exc:
            self.add_error("opening_hours", forms.ValidationError(str(exc), code=exc.code))
        step, unit = data.get("step_minutes"), data.get("unit_minutes")
        if step and unit and (step <= 0 or data.get("max_stay_minutes", 0) < step):
            self.add_error("step_minutes", _("The step must be positive and fit in a stay."))
        both = set(data.get("rules_allowed") or []) & set(data.get("rules_forbidden") or [])
        if both:
            self.add_error("rules_forbidden", _("A rule cannot be both allowed and not allowed."))
        self.check_retire(data, bool(self.initial.get("is_active")))
        return data


class SpaceForm(RetireFields, forms.ModelForm):
    class Meta:
        model = Space
        fields = [
            "name",
            "seat_type",
            "quota",
            "seat_image",
            "rotating_display",
            "is_active",
        ]
        labels = {
            "name": _("Name"),
            "seat_type": _("Seat type"),
            "quota": _("Quota"),
            "seat_image": _("Seat image"),
            "rotating_display": _("Rotating door display"),
            "is_active": _("Open for members"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.check_retire(data, bool(self.initial.get("is_active")))
        return data

    def clean_seat_image(self) -> Any:
        upload = self.cleaned_data.get("seat_image")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            upload.name = images.stored_name(check_seat_image(upload))
        return upload


def check_seat_image(upload: Any) -> str:
    """A real JPEG, PNG or WebP picture of at most 5 MB (Pillow reads it to be sure);
    returns the verified format."""
    if upload.size > images.MAX_IMAGE_BYTES:
        raise forms.ValidationError(_("The image is larger than 5 MB."))
    if images.too_many_pixels(upload):
        raise forms.ValidationError(_("The image has more than 40 megapixels."))
    kind = images.verified_format(upload)
    if kind is None:
        raise forms.ValidationError(_("Upload a JPEG, PNG or WebP image."))
    return kind


def _driver_choices() -> list[tuple[str, str]]:
    from officepass.locks.registry import DRIVERS

    return [(name, name) for name in sorted(DRIVERS)]


class LockForm(forms.Form):
    """A space's lock: driver and its settings (secrets are named by env vars, never stored)."""

    driver = forms.ChoiceField(choices=_driver_choices, label=_("Lock driver"))
    settings = forms.JSONField(required=False, label=_("Lock settings (JSON)"))

    def clean_settings(self) -> dict[str, Any]:
        value = self.cleaned_data.get("settings") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Give a JSON object."))
        return value


class LockSettingsForm(forms.Form):
    """A driver's settings as fields (its `settings_fields`), not JSON. Secrets are asked as
    the NAMES of environment variables (kept under "secret_env"); other keys the space already
    has stay as they are, and "Other settings (JSON)" takes any the form does not name."""

    def __init__(self, driver: str, current: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        from officepass.locks.registry import DRIVERS

        super().__init__(*args, **kwargs)
        self.driver = driver
        self.spec = DRIVERS[driver].settings_fields if driver in DRIVERS else ()
        env = current.get("secret_env") if isinstance(current.get("secret_env"), dict) else {}
        named = {f.key for f in self.spec}
        for spec in self.spec:
            value = (env or {}).get(spec.key) if spec.kind == "env" else current.get(spec.key)
            field: forms.Field
            if spec.kind == "number":
                field = forms.FloatField(min_value=0, required=spec.required)
            elif spec.kind == "bool":
                field = forms.BooleanField(required=False)
            elif spec.kind == "choice":
                choices = [("", "—")] if not spec.required else []
                field = forms.ChoiceField(
                    choices=choices + [(c, c) for c in spec.choices], required=spec.required
                )
            elif spec.kind == "env":
                field = forms.RegexField(
                    r"^[A-Z][A-Z0-9_]{0,63}$",
                    required=spec.required,
                    error_messages={
                        "invalid": _("Give an environment variable name (A-Z, 0-9, _).")
                    },
                )
            else:
                field = forms.CharField(max_length=300, required=spec.required)
            field.label, field.help_text, field.initial = spec.label, spec.help, value
            self.fields[f"s_{spec.key}"] = field
        extra = {k: v for k, v in current.items() if k not in named and k != "secret_env"}
        self.fields["extra"] = forms.JSONField(
            required=False, initial=extra or None, label=_("Other settings (JSON)")
        )

    def clean_extra(self) -> dict[str, Any]:
        value = self.cleaned_data.get("extra") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Give a JSON object."))
        return value

    def lock_settings(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = dict(data.get("extra") or {})
        env: dict[str, str] = {}
        for spec in self.spec:
            value = data.get(f"s_{spec.key}")
            if value in (None, "") or (spec.kind == "bool" and value is False):
                continue
            if spec.kind == "env":
                env[spec.key] = value
            elif spec.kind == "number":
                out[spec.key] = int(value) if float(value).is_integer() else value
            else:
                out[spec.key] = value
        if env:
            out["secret_env"] = env
        return out


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "code", "plan"]
        labels = {"name": _("Name"), "code": _("Company code"), "plan": _("Plan")}


class Confirmed(forms.Form):
    """A destructive action: it goes through only with this box ticked (issue 15 item 4)."""

    confirm = forms.BooleanField(
        required=True, label=_("I understand this cannot be undone"), initial=False
    )


class RefundForm(Confirmed):
    tickets = forms.IntegerField(min_value=1, max_value=100, label=_("Tickets"))
    reason = forms.CharField(max_length=300, label=_("Reason"))
    field_order = ["tickets", "reason", "confirm"]


class ForceCheckoutForm(Confirmed):
    reason = forms.CharField(max_length=300, label=_("Reason"))
    field_order = ["reason", "confirm"]


class ReissueForm(Confirmed):
    reason = forms.CharField(max_length=300, label=_("Reason"))
    field_order = ["reason", "confirm"]


class TroubleStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TroubleReport.Status.choices, label=_("Status"))


class TroubleAssignForm(forms.Form):
    def __init__(self, people: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = forms.ModelChoiceField(
            queryset=people, required=False, label=_("Assignee"), empty_label=_("Nobody")
        )


class TroubleTextForm(forms.Form):
    body = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), label=_("Text")
    )


class PlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.order_by("name"), label=_("Plan"))


class GrantForm(forms.Form):
    tickets = forms.IntegerField(min_value=1, max_value=100, label=_("Tickets"))
    reason = forms.CharField(max_length=300, label=_("Reason"))


class CapForm(forms.Form):
    cap = forms.IntegerField(
        min_value=0, max_value=1000, required=False, label=_("Monthly ticket cap")
    )


class PayoutRateForm(forms.Form):
    """A new payout rate from a network date; rates are appended, never edited."""

    yen_per_ticket = forms.IntegerField(
        min_value=0, max_value=100_000, label=_("Payout per ticket (yen, tax included)")
    )
    effective_from = forms.DateField(label=_("Effective from (network date)"))
    office = forms.ModelChoiceField(
        queryset=Office.objects.none(), required=False, label=_("Office (blank: every office)")
    )
    reason = forms.CharField(max_length=300, required=False, label=_("Reason"))

    def __init__(self, *args: Any, operator_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["office"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Office.objects.filter(operator_id=operator_id).order_by("name")


class RegistrationForm(forms.Form):
    registration_number = forms.CharField(
        max_length=20, required=False, label=_("Registration number (T + 13 digits)")
    )


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-\d{2}$", label=_("Month (YYYY-MM)"))


class ConfirmForm(forms.Form):
    """A destructive or binding action goes through only with this box ticked."""

    confirm = forms.BooleanField(required=True, label=_("I confirm"))


class PlanCatalogueForm(forms.ModelForm):
    """A plan of the catalogue, edited by the secretariat (saved by accounts.plan_save)."""

    seat_types = forms.MultipleChoiceField(
        choices=SeatType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Seat types covered (none ticked: all)"),
    )

    class Meta:
        model = Plan
        fields = [
            "code",
            "name",
            "name_en",
            "kind",
            "tickets_per_cycle",
            "monthly_price_yen",
            "tax_rate_percent",
            "extensions_need_tickets",
            "postpaid",
            "addon_pack_tickets",
            "addon_pack_price_yen",
            "offices",
            "seat_types",
            "active",
        ]
        labels = {
            "code": _("Code"),
            "kind": _("Kind"),
            "tickets_per_cycle": _("Tickets per month"),
            "monthly_price_yen": _("Monthly price (yen, tax included)"),
            "tax_rate_percent": _("Consumption tax rate (%)"),
            "extensions_need_tickets": _("Extensions need tickets"),
            "postpaid": _("Postpaid (corporate)"),
            "addon_pack_tickets": _("Add-on pack: tickets"),
            "addon_pack_price_yen": _("Add-on pack: price (yen, tax included)"),
            "offices": _("Offices covered (none chosen: all)"),
            "active": _("On sale (untick to retire: members keep it until they change)"),
        }
        widgets = {"offices": forms.CheckboxSelectMultiple}


class MoneyRefundForm(forms.Form):
    amount_yen = forms.IntegerField(min_value=1, max_value=10_000_000, label=_("Amount (yen)"))
    reason = forms.CharField(max_length=300, label=_("Reason"))
