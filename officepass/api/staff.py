"""Endpoints for operator staff and the secretariat (tenancy checked on every call), and the
signed intake door controllers push events to."""

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from officepass.accounts.access import request_user
from officepass.api import schemas
from officepass.api.idempotency import idempotent
from officepass.core.errors import DomainError
from officepass.locks.events import lock_event_receive
from officepass.locks.health import lock_health_online
from officepass.locks.registry import driver_name
from officepass.locks.services import lock_configure
from officepass.offices.access import access_space
from officepass.offices.models import Space

router = Router(tags=["staff"])
ERR = schemas.Error


class LockConfigIn(schemas.Schema):
    driver: str = Field(min_length=1, max_length=32)
    settings: dict[str, Any] = {}


class LockConfigOut(schemas.Out):
    space_id: schemas.Id
    driver: str
    settings: dict[str, Any]
    online: bool | None


def _lock_out(space: Space) -> dict[str, Any]:
    return {
        "space_id": space.pk,
        "driver": driver_name(space),
        "settings": space.lock_settings,
        "online": lock_health_online(space.pk),
    }


@router.get("/spaces/{space_id}/lock", response={200: LockConfigOut, 400: ERR, 401: ERR, 404: ERR})
def space_lock(request: HttpRequest, space_id: schemas.Id) -> dict[str, Any]:
    return _lock_out(access_space(user=request_user(request), space_id=space_id))


@router.put("/spaces/{space_id}/lock", response={200: LockConfigOut, 400: ERR, 401: ERR, 404: ERR})
@idempotent
def space_lock_set(
    request: HttpRequest, space_id: schemas.Id, payload: LockConfigIn
) -> tuple[int, dict[str, Any]]:
    user = request_user(request)
    space = access_space(user=user, space_id=space_id)
    lock_configure(actor=user, space=space, driver=payload.driver, lock_settings=payload.settings)
    return 200, _lock_out(space)


class LockEventOut(schemas.Out):
    accepted: bool
    duplicate: bool


@router.post(
    "/locks/{space_id}/events",
    auth=None,
    response={200: LockEventOut, 400: ERR, 401: ERR, 404: ERR, 503: ERR},
    summary="A door controller pushes its health (Standard Webhooks signature)",
)
def lock_event(request: HttpRequest, space_id: schemas.Id) -> dict[str, Any]:
    try:
        event = json.loads(request.body or b"{}")
    except ValueError:
        raise DomainError("invalid_input", field="body") from None
    if not isinstance(event, dict):
        raise DomainError("invalid_input", field="body")
    taken = lock_event_receive(
        space_id=space_id, headers=request.headers, body=request.body, event=event
    )
    return {"accepted": taken, "duplicate": not taken}
