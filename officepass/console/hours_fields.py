"""Form fields that spare operators JSON (issue 15 item 1): a weekday editor for opening hours
(open from–to, 24 hours or closed per day; a close before the open runs past midnight),
closed dates one per line, and the house rules as checkboxes with their icons. Each cleans
to the value the model stores, and the model's own checks (offices.hours) still run."""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from officepass.offices import hours
from officepass.offices.rules_catalogue import RULES

DAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
OPEN, ALL_DAY, CLOSED = "open", "24h", "closed"
STATES = [(OPEN, _("Open")), (ALL_DAY, _("24 hours")), (CLOSED, _("Closed"))]


class WeekHoursWidget(forms.MultiWidget):
    template_name = "console/widgets/week_hours.html"

    def __init__(self) -> None:
        widgets: list[forms.Widget] = []
        for _day in hours.DAYS:
            widgets += [
                forms.Select(choices=STATES),
                forms.TimeInput(attrs={"type": "time", "step": 60}, format="%H:%M"),
                forms.TimeInput(attrs={"type": "time", "step": 60}, format="%H:%M"),
            ]
        super().__init__(widgets)

    def decompress(self, value: Any) -> list[Any]:
        if not isinstance(value, dict):
            value = hours.always_open()
        out: list[Any] = []
        for day in hours.DAYS:
            span = value.get(day)
            if span is None:
                out += [CLOSED, "", ""]
            elif list(span) == ["00:00", "24:00"]:
                out += [ALL_DAY, "", ""]
            else:
                close = span[1] if span[1] != "24:00" else "00:00"
                out += [OPEN, span[0], close]
        return out

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        subs = context["widget"]["subwidgets"]
        context["days"] = [
            (DAY_LABELS[day], subs[3 * n], subs[3 * n + 1], subs[3 * n + 2])
            for n, day in enumerate(hours.DAYS)
        ]
        return context


class WeekHoursField(forms.MultiValueField):
    """Cleans to {"mon": ["08:00", "22:00"] | ["00:00", "24:00"] | None, …}."""

    widget = WeekHoursWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        fields: list[forms.Field] = []
        for _day in hours.DAYS:
            fields += [
                forms.ChoiceField(choices=STATES),
                forms.CharField(required=False),
                forms.CharField(required=False),
            ]
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, list[str] | None]:
        week: dict[str, list[str] | None] = {}
        if not data_list:
            week.update(hours.always_open())
            return week
        for n, day in enumerate(hours.DAYS):
            state, opens, closes = data_list[3 * n : 3 * n + 3]
            if state == CLOSED:
                week[day] = None
            elif state == ALL_DAY:
                week[day] = ["00:00", "24:00"]
            else:
                opens, closes = (opens or "").strip()[:5], (closes or "").strip()[:5]
                if not opens or not closes:
                    raise forms.ValidationError(
                        _("%(day)s: give the opening and closing times.") % {"day": DAY_LABELS[day]}
                    )
                week[day] = [opens, "24:00" if closes == "00:00" else closes]
        return week


class DateListField(forms.CharField):
    """Closed dates, one ISO date (YYYY-MM-DD) per line."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "2027-01-01"})

    def __init__(self, **kwargs: Any) -> None:
        for key in ("encoder", "decoder"):
            kwargs.pop(key, None)
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        dates = []
        for line in text.replace(",", "\n").splitlines():
            if not line.strip():
                continue
            try:
                dates.append(date.fromisoformat(line.strip()).isoformat())
            except ValueError:
                raise forms.ValidationError(_("Closed dates are ISO dates (YYYY-MM-DD).")) from None
        return sorted(set(dates))


class RulesField(forms.MultipleChoiceField):
    """House rules (offices.rules_catalogue) as checkboxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        for key in ("encoder", "decoder", "max_length"):
            kwargs.pop(key, None)
        choices = [(key, label) for key, label in RULES.items()]
        super().__init__(choices=choices, required=False, **kwargs)

    def clean(self, value: Any) -> list[str]:
        return list(super().clean(value) or [])
