"""Known allowed / forbidden areas and equipment (rule 12); offices list keys from here."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

RULES: dict[str, Promise] = {
    "designated_seats": _("Designated seats (see the seat image)"),
    "phone_booth": _("Phone booths"),
    "stationery_drink": _("Stationery and drink area"),
    "non_designated_seats": _("Seats and areas not designated"),
    "meeting_room": _("Meeting rooms"),
    "mfp": _("Multifunction printers / copiers"),
    "locker": _("Lockers"),
}

DEFAULT_ALLOWED = ["designated_seats", "phone_booth", "stationery_drink"]
DEFAULT_FORBIDDEN = ["non_designated_seats", "meeting_room", "mfp", "locker"]


def label(key: str) -> str:
    return str(RULES[key]) if key in RULES else key
