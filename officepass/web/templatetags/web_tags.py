from datetime import datetime

from django import template
from django.utils.translation import gettext as _

from officepass.core import clock

register = template.Library()


@register.filter
def distance(metres: float | None) -> str:
    """ "350 m" or "1.2 km" for a distance in metres; empty when unknown."""
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(m)d m") % {"m": round(metres)}
    return _("%(km).1f km") % {"km": metres / 1000}


@register.filter
def tickets(count: int) -> str:
    return _("%(n)d tickets") % {"n": count} if count != 1 else _("1 ticket")


@register.filter
def epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch, for the scripts' clocks."""
    return int(value.timestamp() * 1000)


@register.simple_tag
def rendered_ms() -> int:
    """The server's clock as this page is drawn (the countdown measures the phone's drift)."""
    return epoch_ms(clock.now())


@register.filter
def yen(value: object) -> str:
    """An integer yen amount as ¥13,750."""
    try:
        return f"¥{int(str(value)):,}"
    except ValueError:
        return ""
