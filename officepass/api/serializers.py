"""Model → JSON-ready dicts in the shapes of API v1 (the idempotency store keeps these)."""

from datetime import datetime
from typing import Any

from officepass.accounts.models import User
from officepass.core import clock
from officepass.offices import hours
from officepass.offices.models import Office, Space
from officepass.offices.rules_catalogue import label
from officepass.offices.selectors import office_open_state, symbol
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry, TicketAccount


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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


def stay_out(stay: Stay, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    running = stay.status == Stay.Status.ACTIVE and now < stay.deadline
    # A stay past its deadline is over whether or not the worker has recorded it (rule 10).
    status = (
        Stay.Status.FORCED_OUT if stay.status == Stay.Status.ACTIVE and not running else stay.status
    )
    return {
        "id": stay.pk,
        "office": {"id": stay.office_id, "name": stay.office.name},
        "space": {"id": stay.space_id, "name": stay.space.name, "seat_type": stay.space.seat_type},
        "status": status,
        "started_at": iso(stay.started_at),
        "deadline": iso(stay.deadline),
        "extension_opens_at": iso(stay.extension_opens_at),
        "tickets_consumed": stay.tickets_consumed,
        "minutes": stay.minutes,
        "ended_at": iso(stay.ended_at or (None if running else stay.deadline)),
        "can_extend": running and now >= stay.extension_opens_at,
        "can_unlock": running,
    }


def ledger_entry_out(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "tickets": entry.tickets,
        "balance_after": entry.balance_after,
        "reason": entry.reason,
        "stay_id": entry.stay_id,
        "effective_at": iso(entry.effective_at),
    }


def tickets_summary(member: User) -> dict[str, Any]:
    account = TicketAccount.objects.filter(member=member).first()
    postpaid = account.postpaid if account else bool(member.plan and member.plan.postpaid)
    return {
        "balance": account.balance if account else 0,
        "postpaid": postpaid,
        "cycle_ends_at": iso(member.cycle_ends_at),
    }


def member_out(member: User) -> dict[str, Any]:
    plan = member.plan
    return {
        "id": member.pk,
        "email": member.email,
        "name": member.name,
        "language": member.language,
        "plan": None
        if plan is None
        else {
            "code": plan.code,
            "name": plan.name,
            "kind": plan.kind,
            "tickets_per_cycle": plan.tickets_per_cycle,
            "extensions_need_tickets": plan.extensions_need_tickets,
            "postpaid": plan.postpaid,
        },
        "company": None
        if member.company is None
        else {
            "id": member.company.pk,
            "name": member.company.name,
        },
        "tickets": tickets_summary(member),
    }
