"""What the member's screens show, computed from the services' and selectors' rules."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import ERRORS, DomainError
from officepass.offices import hours
from officepass.offices.models import Office, Space
from officepass.offices.selectors import nearby_free, office_open_state, office_search, symbol
from officepass.stays import rules
from officepass.stays.models import Stay
from officepass.tickets.shapes import tickets_summary
from officepass.web.stations import find_station


def availability(remaining: int) -> dict[str, Any]:
    """The guide's symbol with words and a number, never colour alone (docs/rules.md, "How
    the member app feels")."""
    if remaining >= 2:
        text = _("Available %(n)d") % {"n": remaining}
    elif remaining == 1:
        text = _("1 left")
    else:
        text = _("Full")
    state = {2: "free", 1: "few", 0: "full"}[min(remaining, 2)]
    return {"symbol": symbol(remaining), "text": text, "remaining": remaining, "state": state}


def minutes_posted(raw: str) -> int:
    """A duration from a form: ASCII digits only and at most 5 of them (no stay lasts 100,000
    minutes), else `invalid_duration`; never a ValueError from int() ("²", 5,000 digits)."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5):
        raise DomainError("invalid_duration")
    return int(raw)


def minutes_label(minutes: int) -> str:
    hours_, rest = divmod(minutes, 60)
    if hours_ and rest:
        return _("%(h)d h %(m)d min") % {"h": hours_, "m": rest}
    if hours_:
        return ngettext("%(h)d hour", "%(h)d hours", hours_) % {"h": hours_}
    return _("%(m)d min") % {"m": rest}


@dataclass
class Wallet:
    balance: int
    postpaid: bool


def wallet_of(member: User) -> Wallet:
    summary = tickets_summary(member)
    return Wallet(balance=summary["balance"], postpaid=summary["postpaid"])


def priced(minutes: list[int], unit_minutes: int, wallet: Wallet) -> list[dict[str, Any]]:
    """Each option with its cost and the balance after, so nothing costs a surprise."""
    out = []
    for m in minutes:
        tickets = rules.tickets_for(m, unit_minutes)
        after = wallet.balance - tickets
        out.append(
            {
                "minutes": m,
                "label": minutes_label(m),
                "tickets": tickets,
                "balance_after": after,
                "affordable": wallet.postpaid or after >= 0,
            }
        )
    return out


def extension_minutes(stay: Stay, now: datetime) -> list[int]:
    """Extensions the rules accept now: multiples of the step, never past closing time."""
    office = stay.office
    allowed = []
    for m in range(office.step, office.max_stay_minutes + 1, office.step):
        try:
            rules.check_duration(
                office, m, start=stay.deadline, now=now, past_closing="office_closing"
            )
        except DomainError:
            break
        allowed.append(m)
    return allowed


def _wall_clock(office: Office, at: datetime, now: datetime) -> str:
    """`at` as the office's wall clock shows it; with the date when it is not within a day."""
    local = at.astimezone(ZoneInfo(office.timezone))
    return local.strftime("%H:%M" if at - now < timedelta(hours=24) else "%m/%d %H:%M")


def open_info(office: Office) -> dict[str, Any]:
    """Open now or not, with the times the member needs ("閉店中 · 08:00から")."""
    now = clock.now()
    state = office_open_state(office, now)
    reopens = state.opens_at
    if state.open_now and state.closes_at is not None:
        reopens = hours.next_opening(
            office.opening_hours, office.closed_dates, office.timezone, state.closes_at
        )
    opens = _wall_clock(office, reopens, now) if reopens else None
    if state.open_now:
        text = ""
    elif opens:
        text = _("Closed · opens at %(time)s") % {"time": opens}
    else:
        text = _("Closed")
    return {
        "open_now": state.open_now,
        "closes": _wall_clock(office, state.closes_at, now) if state.closes_at else None,
        # Open for the next 24 hours at least: "open 24 hours" says more than a far date.
        "all_day": state.open_now
        and (state.closes_at is None or state.closes_at - now >= timedelta(hours=24)),
        "opens": opens,
        "closed_text": text,
    }


# Refusals met at the door during a stay: the answer is the office's help desk.
HELP_DESK_CODES = frozenset({"too_many_attempts", "stay_not_active", "unlock_first"})


def refusal(code: str, *, office: Office, seat_type: str, **extra: Any) -> dict[str, Any]:
    """An error the member can act on: the API's code and message, plus nearby free offices."""
    nearby = extra.get("nearby")
    if code in HELP_DESK_CODES:
        nearby = []  # the member is at this office's door: another office does not help
    elif nearby is None:
        nearby = nearby_free(office=office, seat_type=seat_type)
    return {
        "code": code,
        "at_door": code in HELP_DESK_CODES,
        "message": str(ERRORS[code][1]),
        "hours": open_info(office),
        "nearby": nearby,
        "help_desk_phone": extra.get("help_desk_phone") or office.help_desk_phone,
        "lock_error": extra.get("lock_error"),
    }


def space_rows(spaces: list[Space]) -> list[dict[str, Any]]:
    return [
        {"space": s, **availability(s.remaining)}
        for s in sorted(spaces, key=lambda s: s.pk)
        if s.is_active
    ]


def office_rows(found: list[tuple[Office, float | None]]) -> list[dict[str, Any]]:
    return [
        {
            "office": o,
            "distance_m": d,
            "spaces": space_rows(list(o.spaces.all())),
            "hours": open_info(o),
        }
        for o, d in found
    ]


def offices_matching(
    *, query: str, seat_type: str | None, free_now: bool, limit: int
) -> tuple[list[tuple[Office, float | None]], str | None]:
    """Offices near a station named in `query`, or whose name or address contains it."""
    station = find_station(query)
    if station is not None:
        name, lat, lng = station
        found = office_search(
            lat=lat, lng=lng, seat_type=seat_type, available=free_now or None, limit=limit
        )
        return found, name
    found = office_search(
        lat=None, lng=None, seat_type=seat_type, available=free_now or None, limit=500
    )
    wanted = set(
        Office.objects.filter(Q(name__icontains=query) | Q(address__icontains=query)).values_list(
            "pk", flat=True
        )
    )
    return [(o, d) for o, d in found if o.pk in wanted][:limit], None
