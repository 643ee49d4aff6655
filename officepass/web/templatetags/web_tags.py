from django import template
from django.utils.translation import gettext as _

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
