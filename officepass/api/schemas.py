"""Shapes of API v1 (docs/api.md); used for the OpenAPI document and validation."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BaseModel, Field


class Out(BaseModel):
    """Response shapes are plain pydantic models: validated, without ninja's ORM getter."""


SeatTypeLiteral = Literal["open", "private_room", "booth", "box"]
# A database id: positive and within a 64-bit integer (larger values are bad input, not 500s).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Error(Out):
    code: str
    message: str


class Named(Out):
    id: int
    name: str


class SpaceOut(Out):
    id: int
    office_id: int
    name: str
    seat_type: SeatTypeLiteral
    quota: int
    in_use: int
    remaining: int
    symbol: Literal["○", "△", "×"]


class SpaceDetailOut(SpaceOut):
    seat_image: str | None = None


class OpeningDay(Out):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    open: str | None
    close: str | None
    closed: bool
    all_day: bool


class Rule(Out):
    key: str
    label: str


class Rules(Out):
    allowed: list[Rule]
    forbidden: list[Rule]


class OfficeOut(Out):
    id: int
    name: str
    operator: Named
    address: str
    lat: float
    lng: float
    distance_m: float | None = None
    timezone: str
    opening_hours: list[OpeningDay]
    closed_dates: list[str]
    unit_minutes: int
    step_minutes: int
    max_stay_minutes: int
    extension_window_minutes: int
    help_desk_phone: str
    open_now: bool
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    rules: Rules
    spaces: list[SpaceDetailOut]


class OfficeList(Out):
    items: list[OfficeOut]


class NearbySpace(Out):
    id: int
    seat_type: SeatTypeLiteral
    remaining: int
    symbol: Literal["○", "△", "×"]


class NearbyOffice(Out):
    """An open office in the light nearest list: what a map or a "where now" list shows."""

    id: int
    name: str
    lat: float
    lng: float
    distance_m: float
    closes_at: datetime
    spaces: list[NearbySpace]


class NearbyList(Out):
    items: list[NearbyOffice]


class Option(Out):
    minutes: int
    tickets: int


class CheckinCodeOut(Out):
    office: OfficeOut
    space: SpaceDetailOut
    unit_minutes: int
    options: list[Option]
    office_open: bool


class StaySpace(Out):
    id: int
    name: str
    seat_type: SeatTypeLiteral


class StayOut(Out):
    id: int
    office: Named
    space: StaySpace
    status: Literal["active", "checked_out", "forced_out", "cancelled"]
    started_at: datetime
    deadline: datetime
    extension_opens_at: datetime
    tickets_consumed: int
    minutes: int
    ended_at: datetime | None = None
    can_extend: bool
    can_unlock: bool


class StayList(Out):
    items: list[StayOut]


class UnlockOut(Out):
    result: Literal["unlocked", "accepted"]
    stay: StayOut


class Nearby(Out):
    id: int
    name: str
    distance_m: int
    seat_type: SeatTypeLiteral


class RecoveryOut(Out):
    stay: StayOut
    refunded_tickets: int
    trouble_report_id: int
    nearby: list[Nearby]


class CheckoutUnlock(Out):
    result: Literal["unlocked", "accepted", "failed"]
    error: str | None = None
    help_desk_phone: str | None = None


class CheckoutOut(StayOut):
    unlock: CheckoutUnlock | None = None


class LedgerEntryOut(Out):
    id: int
    kind: Literal["grant", "consume", "refund", "expire", "purchase"]
    tickets: int
    balance_after: int
    reason: str
    stay_id: int | None = None
    effective_at: datetime


class TicketsOut(Out):
    balance: int
    postpaid: bool
    cycle_ends_at: datetime | None = None
    items: list[LedgerEntryOut] = []


class PlanOut(Out):
    code: str
    name: str
    kind: str
    tickets_per_cycle: int
    extensions_need_tickets: bool
    postpaid: bool


class TicketSummary(Out):
    balance: int
    postpaid: bool
    cycle_ends_at: datetime | None = None


class MemberOut(Out):
    id: int
    email: str
    name: str
    language: str
    plan: PlanOut | None
    company: Named | None
    tickets: TicketSummary


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class TokenOut(Out):
    token: str
    expires_at: datetime
    member: MemberOut


class StayIn(Schema):
    code: str = Field(min_length=1, max_length=200)
    minutes: int = Field(gt=0, le=24 * 60 * 7)


class ExtendIn(Schema):
    minutes: int = Field(gt=0, le=24 * 60 * 7)


class CheckoutIn(Schema):
    unlock: bool = True


class TroubleIn(Schema):
    office_id: int
    stay_id: int | None = None
    kind: Literal["entry_unlock", "exit_unlock", "other"]
    message: str = Field(min_length=1, max_length=4000)


class TroubleOut(Out):
    id: int
    office_id: int
    stay_id: int | None
    kind: str
    status: str
    created_at: datetime


class AvailabilityList(Out):
    items: list[SpaceOut]
    next_after: int | None = None
