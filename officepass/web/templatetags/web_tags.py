import re
from datetime import datetime
from functools import cache
from pathlib import Path

from django import template
from django.utils.safestring import SafeString, mark_safe
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


ICONS = Path(__file__).resolve().parents[1] / "static" / "web" / "vendor" / "lucide"


@cache
def _icon_svg(name: str) -> str:
    """A vendored Lucide icon (make vendor-web), inline so it takes the text's colour; its
    licence comment and fixed size are dropped (the CSS sizes `.icon`)."""
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"bad icon name {name!r}")
    raw = (ICONS / f"{name}.svg").read_text("utf-8")
    svg = re.sub(r"<!--.*?-->", "", raw, flags=re.S).strip()
    svg = re.sub(r'\s(width|height)="24"', "", svg)
    svg = svg.replace(
        'class="lucide ', 'aria-hidden="true" focusable="false" class="icon lucide ', 1
    )
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", svg))


@register.simple_tag
def icon(name: str) -> SafeString:
    """`{% icon "house" %}`: an SVG icon from the vendored set, never an emoji."""
    return mark_safe(_icon_svg(name))  # noqa: S308 (the project's own vendored files)


@register.filter
def seat_type_if_new(space: object) -> str:
    """The space's seat type in words, or "" when its name already says it (「オープン席」
    named オープン席 is not shown as 「オープン席 オープン席」)."""
    words = str(space.get_seat_type_display())  # type: ignore[attr-defined]
    return "" if words.casefold() in str(space.name).casefold() else words  # type: ignore[attr-defined]


@register.filter
def yen(value: object) -> str:
    """An integer yen amount as ¥13,750."""
    try:
        return f"¥{int(str(value)):,}"
    except ValueError:
        return ""
