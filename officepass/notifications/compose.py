"""What each kind of notice says, in the member's language (composed once, stored)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _

from officepass.accounts.models import User
from officepass.notifications.models import Kind


def local_time(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def compose(member: User, kind: str, **values: object) -> tuple[str, str]:
    """(title, body) of one notice for `member`."""
    with translation.override(member.language):
        if kind == Kind.EXTENSION_OPEN:
            return _("You can extend your stay now"), _(
                "%(office)s / %(space)s: checkout by %(time)s. Extend now if you need more time."
            ) % values
        if kind == Kind.DEADLINE_SOON:
            return _("5 minutes to your checkout deadline"), _(
                "%(office)s / %(space)s: at %(time)s you will be checked out automatically."
            ) % values
        if kind == Kind.FORCED_OUT:
            return _("You were checked out at the deadline"), _(
                "%(office)s / %(space)s: your stay ended at %(time)s because its time was up."
            ) % values
        if kind == Kind.STAFF_ENDED:
            return _("Staff ended your stay"), _(
                "%(office)s / %(space)s: staff ended your stay at %(time)s. Reason: %(reason)s"
            ) % values
        if kind == Kind.TROUBLE_REPLY:
            return _("Your trouble report was answered"), _(
                "Report #%(report)s at %(office)s is now: %(status)s"
            ) % values
        if kind == Kind.SEAT_FREE:
            return _("A seat is free"), _("%(office)s / %(space)s is now %(symbol)s.") % values
    raise ValueError(kind)
