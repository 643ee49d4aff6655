"""Presentation shape of a stay: the dict the API returns and the web draws."""

from datetime import datetime
from typing import Any

from officepass.core import clock
from officepass.core.clock import iso
from officepass.stays.models import Stay


def stay_out(stay: Stay, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    running = stay.is_running(now)
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
