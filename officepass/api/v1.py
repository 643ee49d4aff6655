"""API v1 (docs/api.md): parse, check access, call one service, shape the answer."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from officepass.accounts.access import request_user
from officepass.accounts.services import token_create_for_login
from officepass.api import errors, schemas
from officepass.api.auth import AUTH, sign_out
from officepass.api.idempotency import idempotent
from officepass.api.staff import router as staff_router
from officepass.api.streams import availability_stream
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.offices import selectors as offices
from officepass.offices.nearby import offices_nearby
from officepass.offices.shapes import office_out, space_detail_out
from officepass.stays import rules, services
from officepass.stays import selectors as stays
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.shapes import stay_out
from officepass.support.services import trouble_report_create
from officepass.tickets.shapes import ledger_entry_out, member_out, tickets_summary

api = NinjaAPI(
    title="officepass API",
    version="1",
    description="One pass for a network of shared offices. Errors: {code, message}.",
    auth=AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

ERR = schemas.Error
_JSON_ENCODER = NinjaJSONEncoder()


# The API's name for the request's user (one helper: accounts.access.request_user).
member = request_user


@api.post(
    "/auth/token",
    auth=None,
    response={200: schemas.TokenOut, 401: ERR, 429: ERR, 400: ERR},
    tags=["auth"],
)
def auth_token(request: HttpRequest, payload: schemas.TokenIn) -> dict[str, Any]:
    raw, token = token_create_for_login(
        email=payload.email, password=payload.password, ip=request.META.get("REMOTE_ADDR")
    )
    return {"token": raw, "expires_at": token.expires_at, "member": member_out(token.user)}


@api.delete(
    "/auth/token",
    response={204: None, 401: ERR, 400: ERR},
    tags=["auth"],
    summary="Sign out: revoke the presented bearer token, or end the web session",
)
def auth_token_revoke(request: HttpRequest) -> tuple[int, None]:
    sign_out(request, member(request))
    return 204, None


@api.get("/me", response={200: schemas.MemberOut, 401: ERR, 400: ERR}, tags=["member"])
def me(request: HttpRequest) -> dict[str, Any]:
    return member_out(member(request))


@api.get("/me/tickets", response={200: schemas.TicketsOut, 401: ERR, 400: ERR}, tags=["member"])
def me_tickets(request: HttpRequest, limit: int = 100) -> dict[str, Any]:
    user = member(request)
    entries = user.ledger_entries.all()[: max(1, min(limit, 500))]
    return {**tickets_summary(user), "items": [ledger_entry_out(e) for e in entries]}


class OfficeFilter(schemas.Schema):
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lng: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    seat_type: schemas.SeatTypeLiteral | None = None
    available: bool | None = None
    limit: int = 50


@api.get("/offices", auth=None, response={200: schemas.OfficeList, 400: ERR}, tags=["offices"])
def office_list(request: HttpRequest, filters: Query[OfficeFilter]) -> dict[str, Any]:
    if (filters.lat is None) != (filters.lng is None):
        raise DomainError("invalid_input", field="lat/lng")
    rows = offices.office_search(
        lat=filters.lat,
        lng=filters.lng,
        seat_type=filters.seat_type,
        available=filters.available,
        limit=max(1, min(filters.limit, 200)),
        # A nearby list answers "where can I go now": closed offices are left out.
        open_only=filters.lat is not None,
    )
    return {"items": [office_out(o, distance=d) for o, d in rows]}


class NearbyFilter(schemas.Schema):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)
    seat_type: schemas.SeatTypeLiteral | None = None
    available: bool | None = None
    limit: int = 50


@api.get(
    "/offices/nearby",
    auth=None,
    response={200: schemas.NearbyList, 400: ERR},
    tags=["offices"],
    summary="The open offices nearest a point, light shape (for maps and nearby lists)",
)
def office_nearby(request: HttpRequest, filters: Query[NearbyFilter]) -> HttpResponse:
    """Open offices nearest first, each `{id, name, lat, lng, distance_m, closes_at, spaces:
    [{id, seat_type, remaining, symbol}]}`; `GET /offices/{id}` has the rest."""
    items = offices_nearby(
        lat=filters.lat,
        lng=filters.lng,
        seat_type=filters.seat_type,
        available=filters.available,
        limit=max(1, min(filters.limit, 200)),
        at=clock.now(),
    )
    # Already the schema's shape, from the database's own types: rendered as ninja renders a
    # validated answer, without the validation pass (a third of the list's web CPU). The
    # closing times, mostly one or two distinct ones, are formatted once each.
    texts: dict[Any, str] = {}
    for item in items:
        closes_at = item["closes_at"]
        if closes_at not in texts:
            texts[closes_at] = _JSON_ENCODER.default(closes_at)
        item["closes_at"] = texts[closes_at]
    return api.create_response(request, {"items": items}, status=200)


@api.get(
    "/offices/{office_id}",
    auth=None,
    response={200: schemas.OfficeOut, 404: ERR, 400: ERR},
    tags=["offices"],
)
def office_detail(request: HttpRequest, office_id: schemas.Id) -> dict[str, Any]:
    return office_out(offices.office_get(office_id))


@api.get(
    "/checkin-codes/{code}",
    auth=None,
    response={200: schemas.CheckinCodeOut, 404: ERR, 400: ERR},
    tags=["stays"],
)
def checkin_code(request: HttpRequest, code: str) -> dict[str, Any]:
    space = offices.space_for_code(code)
    office = offices.office_get(space.office_id)
    now = clock.now()
    try:
        minutes = rules.duration_options(office, now)
        is_open = True
    except DomainError:
        minutes, is_open = [], False
    return {
        "office": office_out(office),
        "space": space_detail_out(space),
        "unit_minutes": office.unit_minutes,
        "options": [
            {"minutes": m, "tickets": rules.tickets_for(m, office.unit_minutes)} for m in minutes
        ],
        "office_open": is_open,
    }


@api.post(
    "/stays",
    response={201: schemas.StayOut, 400: ERR, 404: ERR, 409: ERR, 503: ERR, 401: ERR},
    tags=["stays"],
)
@idempotent
def stay_create(request: HttpRequest, payload: schemas.StayIn) -> tuple[int, dict[str, Any]]:
    stay = services.stay_check_in(
        member=member(request), code=payload.code, minutes=payload.minutes
    )
    return 201, stay_out(stay)


@api.get(
    "/stays/current", response={200: schemas.StayOut, 404: ERR, 400: ERR, 401: ERR}, tags=["stays"]
)
def stay_current(request: HttpRequest) -> dict[str, Any]:
    return stay_out(stays.stay_current(member=member(request)))


@api.get("/stays", response={200: schemas.StayList, 400: ERR, 401: ERR}, tags=["stays"])
def stay_list(request: HttpRequest, limit: int = 50) -> dict[str, Any]:
    items = stays.stay_history(member=member(request), limit=max(1, min(limit, 200)))
    return {"items": [stay_out(s) for s in items]}


@api.post(
    "/stays/{stay_id}/unlock",
    response={200: schemas.UnlockOut, 404: ERR, 409: ERR, 503: ERR, 400: ERR, 401: ERR, 429: ERR},
    tags=["stays"],
)
@idempotent
def stay_unlock(request: HttpRequest, stay_id: schemas.Id) -> tuple[int, dict[str, Any]]:
    result, stay = services.stay_unlock(member=member(request), stay_id=stay_id)
    return 200, {"result": result, "stay": stay_out(stay)}


@api.post(
    "/stays/{stay_id}/extend",
    response={200: schemas.StayOut, 400: ERR, 404: ERR, 409: ERR, 401: ERR},
    tags=["stays"],
)
@idempotent
def stay_extend(
    request: HttpRequest, stay_id: schemas.Id, payload: schemas.ExtendIn
) -> tuple[int, dict[str, Any]]:
    stay = services.stay_extend(member=member(request), stay_id=stay_id, minutes=payload.minutes)
    return 200, stay_out(stay)


@api.post(
    "/stays/{stay_id}/checkout",
    response={200: schemas.CheckoutOut, 404: ERR, 409: ERR, 400: ERR, 401: ERR},
    tags=["stays"],
)
@idempotent
def stay_checkout(
    request: HttpRequest, stay_id: schemas.Id, payload: schemas.CheckoutIn | None = None
) -> tuple[int, dict[str, Any]]:
    unlock = payload.unlock if payload is not None else True
    stay, command = services.stay_checkout(member=member(request), stay_id=stay_id, unlock=unlock)
    return 200, {**stay_out(stay), "unlock": stays.checkout_unlock_out(command, stay)}


@api.post(
    "/stays/{stay_id}/recover",
    response={200: schemas.RecoveryOut, 404: ERR, 409: ERR, 400: ERR, 401: ERR},
    tags=["stays"],
    summary="Cancel and refund a stay whose door did not open on entry",
)
@idempotent
def stay_recover(request: HttpRequest, stay_id: schemas.Id) -> tuple[int, dict[str, Any]]:
    done = stay_recover_failed_entry(member=member(request), stay_id=stay_id)
    return 200, {
        "stay": stay_out(done.stay),
        "refunded_tickets": done.refund.tickets if done.refund else 0,
        "trouble_report_id": done.report.pk,
        "nearby": done.nearby,
    }


@api.post(
    "/trouble-reports", response={201: schemas.TroubleOut, 400: ERR, 401: ERR}, tags=["support"]
)
@idempotent
def trouble_create(request: HttpRequest, payload: schemas.TroubleIn) -> tuple[int, dict[str, Any]]:
    report = trouble_report_create(
        member=member(request),
        office_id=payload.office_id,
        stay_id=payload.stay_id,
        kind=payload.kind,
        message=payload.message,
    )
    return 201, {
        "id": report.pk,
        "office_id": report.office_id,
        "stay_id": report.stay_id,
        "kind": report.kind,
        "status": report.status,
        "created_at": report.created_at.isoformat(),
    }


class AvailabilityFilter(schemas.Schema):
    office_id: list[schemas.Id] = []
    seat_type: schemas.SeatTypeLiteral | None = None
    after: int = 0
    limit: int = 1000


@api.get(
    "/availability", auth=None, response={200: schemas.AvailabilityList, 400: ERR}, tags=["offices"]
)
def availability(request: HttpRequest, filters: Query[AvailabilityFilter]) -> dict[str, Any]:
    items, next_after = stays.availability(
        office_ids=filters.office_id,
        seat_type=filters.seat_type,
        after=filters.after,
        limit=max(1, min(filters.limit, 5000)),
    )
    return {"items": items, "next_after": next_after}


api.get(
    "/availability/stream",
    auth=None,
    tags=["offices"],
    openapi_extra={
        "responses": {
            200: {"description": "text/event-stream", "content": {"text/event-stream": {}}}
        }
    },
)(availability_stream)

api.add_router("/", staff_router)
