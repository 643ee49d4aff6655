"""Presentation shapes of offices and spaces: the dicts the API returns and the web draws."""

from typing import Any

from officepass.core.clock import iso
from officepass.offices import hours
from officepass.offices.models import Office, Space
from officepass.offices.rules_catalogue import label
from officepass.offices.selectors import office_open_state, symbol


def space_out(space: Space | dict[str, Any]) -> dict[str, Any]:
    row = space if isinstance(space, dict) else space.__dict__
    remaining = max(row["quota"] - row["in_use"], 0)
    return {
        "id": row["id"],
        "office_id": row["office_id"],
        "name": row["name"],
        "seat_type": row["seat_type"],
        "quota": row["quota"],
        "in_use": row["in_use"],
        "remaining": remaining,
        "symbol": symbol(remaining),
    }


def space_detail_out(space: Space) -> dict[str, Any]:
    return {**space_out(space), "seat_image": space.seat_image.url if space.seat_image else None}


def opening_hours_out(office: Office) -> list[dict[str, Any]]:
    days = []
    for day in hours.DAYS:
        span = office.opening_hours.get(day)
        days.append(
            {
                "day": day,
                "open": span[0] if span else None,
                "close": span[1] if span else None,
                "closed": span is None,
                "all_day": bool(span) and span[0] == "00:00" and span[1] == "24:00",
            }
        )
    return days


def office_out(office: Office, *, distance: float | None = None) -> dict[str, Any]:
    state = office_open_state(office)
    return {
        "id": office.pk,
        "name": office.name,
        "operator": {"id": office.operator_id, "name": office.operator.name},
        "address": office.address,
        "lat": office.lat,
        "lng": office.lng,
        "distance_m": round(distance, 1) if distance is not None else None,
        "timezone": office.timezone,
        "opening_hours": opening_hours_out(office),
        "closed_dates": list(office.closed_dates or []),
        "unit_minutes": office.unit_minutes,
        "step_minutes": office.step,
        "max_stay_minutes": office.max_stay_minutes,
        "extension_window_minutes": office.extension_window_minutes,
        "help_desk_phone": office.help_desk_phone,
        "open_now": state.open_now,
        "opens_at": iso(state.opens_at),
        "closes_at": iso(state.closes_at),
        "rules": {
            "allowed": [{"key": k, "label": label(k)} for k in office.rules_allowed],
            "forbidden": [{"key": k, "label": label(k)} for k in office.rules_forbidden],
        },
        "spaces": [space_detail_out(s) for s in office.spaces.all() if s.is_active],
    }
