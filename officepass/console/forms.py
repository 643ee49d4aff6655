"""Console forms: office and space set-up, refunds, statuses, plans."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officepass.accounts.models import Company, Plan
from officepass.offices import hours, images
from officepass.offices.models import Office, SeatType, Space
from officepass.support.models import TroubleReport


class OfficeForm(forms.ModelForm):
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
        for field in ("rules_allowed", "rules_forbidden"):
            value = data.get(field)
            if value is not None and not isinstance(value, list):
                self.add_error(field, _("Give a JSON list."))
        return data


class SpaceForm(forms.ModelForm):
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


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "code", "plan"]
        labels = {"name": _("Name"), "code": _("Company code"), "plan": _("Plan")}


class RateForm(forms.Form):
    payout_per_ticket = forms.IntegerField(
        min_value=0, max_value=1_000_000, label=_("Payout per ticket (yen)")
    )


class RefundForm(forms.Form):
    tickets = forms.IntegerField(min_value=1, max_value=100, label=_("Tickets"))
    reason = forms.CharField(max_length=300, label=_("Reason"))


class ForceCheckoutForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("Reason"))


class TroubleStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TroubleReport.Status.choices, label=_("Status"))


class PlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.order_by("name"), label=_("Plan"))


class GrantForm(forms.Form):
    tickets = forms.IntegerField(min_value=1, max_value=100, label=_("Tickets"))
    reason = forms.CharField(max_length=300, label=_("Reason"))


class CapForm(forms.Form):
    cap = forms.IntegerField(
        min_value=0, max_value=1000, required=False, label=_("Monthly ticket cap")
    )


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
