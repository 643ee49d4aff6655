"""The world of the stay state machine (tests/properties/test_stay_machine.py): its offices,
spaces and members, built afresh for each Hypothesis example inside a transaction rolled back
at its end, on a clock that only moves forward; and the helpers its rules share."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import time_machine
from django.db import transaction
from hypothesis.stateful import RuleBasedStateMachine

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.offices import hours
from officepass.tickets.cycles import add_month
from tests import factories as f
from tests.properties.model import (
    DAY_HOURS,
    START,
    MemberModel,
    OfficeModel,
    SpaceModel,
    StayModel,
)

T = TypeVar("T")


class StayWorld(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        # The example's own wrapper, like a TestCase's: lock_command_send's open-transaction
        # guard (and atomic(durable=True)) do not count it.
        self._atomic._from_testcase = True  # type: ignore[attr-defined]
        self._atomic.__enter__()
        self._traveller = time_machine.travel(START, tick=False)
        self._clock = self._traveller.start()
        self.refusals: list[tuple[str, str]] = []  # (action, DomainError code), for debugging
        try:
            self._build_world()
        except BaseException:
            self.teardown()
            raise

    def teardown(self) -> None:
        self._traveller.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # -- the world ----------------------------------------------------------------------------

    def _build_world(self) -> None:
        always = f.office("Always Open", unit_minutes=120, max_stay_minutes=480)
        day = f.office(
            "Day Only",
            unit_minutes=240,
            max_stay_minutes=480,
            opening_hours={d: [f"{DAY_HOURS[0]:02}:00", f"{DAY_HOURS[1]}:00"] for d in hours.DAYS},
        )
        self.offices = [
            OfficeModel(always.pk, 120, 480, always.extension_window_minutes, None),
            OfficeModel(day.pk, 240, 480, day.extension_window_minutes, DAY_HOURS),
        ]
        spaces = [
            (f.space(always, name="Open", quota=2), self.offices[0]),
            (f.space(always, name="Booth", seat_type="booth", quota=1), self.offices[0]),
            (f.space(day, name="Room", seat_type="private_room", quota=1), self.offices[1]),
        ]
        self.spaces = [SpaceModel(s.pk, o, s.quota, f.code_for(s)) for s, o in spaces]

        self.members: list[MemberModel] = []
        for name, plan, tickets, cycle_end in [
            ("few", f.plan("individual-10", tickets_per_cycle=10), 2, START + timedelta(days=12)),
            ("many", f.plan("individual-31", tickets_per_cycle=31), 31, START + timedelta(days=25)),
            ("corporate", f.corporate_plan(), 0, START + timedelta(days=5)),
            ("soon", f.plan("individual-20", tickets_per_cycle=20), 3, START + timedelta(hours=3)),
        ]:
            user = f.member(f"{name}@example.com", tickets=tickets, plan_=plan)
            User.objects.filter(pk=user.pk).update(cycle_ends_at=cycle_end)
            self.members.append(
                MemberModel(
                    pk=user.pk,
                    name=name,
                    balance=tickets,
                    cycle_end=cycle_end,
                    grant_per_cycle=0 if plan.postpaid else plan.tickets_per_cycle,
                    postpaid=plan.postpaid,
                    extensions_need_tickets=plan.extensions_need_tickets and not plan.postpaid,
                    anchor_day=cycle_end.astimezone(clock.network_zone()).day,
                )
            )
        self.staff = User.objects.create_user("staff@example.com", f.PASSWORD, is_staff=True)
        self.stay_models: dict[int, StayModel] = {}
        self.used_grant_keys: set[str] = set()

    # -- helpers ------------------------------------------------------------------------------

    def _user(self, member: MemberModel) -> User:
        """A fresh row per action, as each API request loads the member anew."""
        return User.objects.select_related("plan").get(pk=member.pk)

    def _call(self, action: str, fn: Callable[[], T]) -> tuple[T | None, str | None]:
        """Run a service; a DomainError is an expected refusal (its code is returned)."""
        try:
            return fn(), None
        except DomainError as error:
            self.refusals.append((action, error.code))
            return None, error.code

    def _running_stay(self, member: MemberModel, now: datetime) -> StayModel | None:
        running = [s for s in self.stay_models.values() if s.member is member and s.running(now)]
        assert len(running) <= 1, f"model: {member.name} has {len(running)} running stays"
        return running[0] if running else None

    def _roll(self, member: MemberModel, now: datetime) -> None:
        """A finished cycle: unused tickets expire (no carry-over), the plan grants anew."""
        if member.cycle_end is None or member.cycle_end > now:
            return
        end = member.cycle_end
        while end <= now:
            end = add_month(end, day=member.anchor_day)
        member.cycle_end = end
        if not member.postpaid:
            member.balance = min(member.balance, 0) + member.grant_per_cycle

    def _target(self, stay: int, current: bool) -> StayModel:
        """The drawn stay, or with `current` one of the running stays if there are any."""
        running = [s for s in self.stay_models.values() if s.running(clock.now())]
        if current and running:
            return running[stay % len(running)]
        return self.stay_models[stay]

    def _recent_commands(self, member: MemberModel, now: datetime) -> int:
        return sum(1 for at in member.commands if at >= now - timedelta(minutes=1))

    def _move_to(self, target: datetime) -> None:
        if target > clock.now():  # the clock only moves forward
            self._clock.move_to(target)

    @staticmethod
    def _expect(action: str, code: str | None, allowed: set[str]) -> None:
        """`allowed` empty: must succeed; otherwise must be refused with one of its codes."""
        if code is None:
            assert not allowed, f"{action} succeeded; the model expected a refusal in {allowed}"
        else:
            assert code in allowed, f"{action} refused with {code!r}; model allowed {allowed}"
