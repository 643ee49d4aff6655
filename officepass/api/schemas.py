"""Shapes of API v1 (../shared/API.md); used for the OpenAPI document and validation."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

SeatTypeLiteral = Literal["open", "private_room", "booth", "box"]


class Error(Schema):
    code: str
    message: str


class Named(Schema):
    id: int
    name: str


class SpaceOut(Schema):
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


class OpeningDay(Schema):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    open: str | None
    close: str | None
    closed: bool
    all_day: bool


class Rule(Schema):
    key: str
    label: str


class Rules(Schema):
    allowed: list[Rule]
    forbidden: list[Rule]


class OfficeOut(Schema):
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
    rules: Rules
    spaces: list[SpaceDetailOut]


class OfficeList(Schema):
    items: list[OfficeOut]


class Option(Schema):
    minutes: int
    tickets: int


class CheckinCodeOut(Schema):
    office: OfficeOut
    space: SpaceDetailOut
    unit_minutes: int
    options: list[Option]
    office_open: bool


class StaySpace(Schema):
    id: int
    name: str
    seat_type: SeatTypeLiteral


class StayOut(Schema):
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


class StayList(Schema):
    items: list[StayOut]


class UnlockOut(Schema):
    result: Literal["unlocked", "accepted"]
    stay: StayOut


class CheckoutUnlock(Schema):
    result: Literal["unlocked", "accepted", "failed"]
    error: str | None = None
    help_desk_phone: str | None = None


class CheckoutOut(StayOut):
    unlock: CheckoutUnlock | None = None


class LedgerEntryOut(Schema):
    id: int
    kind: Literal["grant", "consume", "refund", "expire", "purchase"]
    tickets: int
    balance_after: int
    reason: str
    stay_id: int | None = None
    effective_at: datetime


class TicketsOut(Schema):
    balance: int
    postpaid: bool
    cycle_ends_at: datetime | None = None
    items: list[LedgerEntryOut] = []


class PlanOut(Schema):
    code: str
    name: str
    kind: str
    tickets_per_cycle: int
    extensions_need_tickets: bool
    postpaid: bool


class TicketSummary(Schema):
    balance: int
    postpaid: bool
    cycle_ends_at: datetime | None = None


class MemberOut(Schema):
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


class TokenOut(Schema):
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


class TroubleOut(Schema):
    id: int
    office_id: int
    stay_id: int | None
    kind: str
    status: str
    created_at: datetime


class AvailabilityList(Schema):
    items: list[SpaceOut]
    next_after: int | None = None
