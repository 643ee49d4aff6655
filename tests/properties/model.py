"""The stay machine's settings, strategies and model: what the services must answer, kept
apart from the database."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

TOKYO = ZoneInfo("Asia/Tokyo")
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Tokyo
DAY_HOURS = (8, 22)  # the day office is open 08:00–22:00 Tokyo time

UNITS = st.sampled_from([1, 1, 2, 2, 3, 4, 5])  # 5 units is past every maximum stay
OFF = st.sampled_from([0, 0, 0, 0, 30])  # 30: not a multiple of the step
CURRENT = st.sampled_from([True, False])  # True first: Hypothesis starts from simple choices
LOCK_MODES = st.sampled_from(["normal", "normal", "normal", "jammed", "offline"])

MACHINE_SETTINGS = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass
class OfficeModel:
    pk: int
    unit: int
    max_stay: int
    window: int
    day_hours: tuple[int, int] | None  # None: open 24 h

    def closes(self, at: datetime) -> datetime | None:
        """When the opening window around `at` ends; None if the office is closed at `at`."""
        if self.day_hours is None:
            return at + timedelta(days=7)  # always open: farther than any stay can reach
        local = at.astimezone(TOKYO)
        opens = local.replace(hour=self.day_hours[0], minute=0, second=0, microsecond=0)
        closes = local.replace(hour=self.day_hours[1], minute=0, second=0, microsecond=0)
        return closes.astimezone(UTC) if opens <= local < closes else None

    def duration_error(
        self, minutes: int, *, start: datetime, now: datetime, past_closing: str
    ) -> str | None:
        """docs/rules.md, rules 3 and 8: a multiple of the step, up to the maximum, never past
        closing."""
        if minutes <= 0 or minutes % self.unit or minutes > self.max_stay:
            return "invalid_duration"
        closes = self.closes(now)
        if closes is None:
            return "office_closed"
        if start + timedelta(minutes=minutes) > closes:
            return past_closing
        return None


@dataclass
class SpaceModel:
    pk: int
    office: OfficeModel
    quota: int
    code: str
    mode: str = "normal"


@dataclass
class MemberModel:
    pk: int
    name: str
    balance: int
    cycle_end: datetime | None
    grant_per_cycle: int
    postpaid: bool
    extensions_need_tickets: bool
    anchor_day: int | None = None  # the day of the month its cycles end on
    commands: list[datetime] = field(default_factory=list)  # lock commands it created


@dataclass
class StayModel:
    pk: int
    member: MemberModel
    space: SpaceModel
    started_at: datetime
    deadline: datetime
    tickets: int
    ended: bool = False  # ended by checkout, force, recovery or a worker tick we ran
    unlocks: list[bool] = field(default_factory=list)  # one per unlock command: did it open?

    def running(self, now: datetime) -> bool:
        return not self.ended and now < self.deadline
