"""A Hypothesis state machine over the stay lifecycle and the ticket ledger
(docs/rules.md, rules 2–14).

Random sequences of check-in, extension, unlock, checkout, forced checkout, one-tap recovery,
refunds, grants, add-on packs, lock trouble, worker ticks and clock moves run against the real
services; after every step the machine checks the invariants (reconcile, quota, one running
stay per member, balances, no unlock after the deadline) and a small model of what each
service must answer.

Database isolation: the test function is `django_db` (pytest-django wraps it in a
transaction), and every Hypothesis example runs inside its own `transaction.atomic()` block,
opened in the world's `__init__` and rolled back (`set_rollback(True)`) in `teardown`
(tests/properties/world.py), so each example starts from an empty database. The services' own
`atomic()` blocks nest as savepoints, so a refused check-in rolls back as in production;
`on_commit` callbacks (e-mails) never run. The clock is one `time_machine` traveller
(tick=False), started in `__init__`, moved only forward by the clock rules, stopped in
`teardown`.
"""

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Count, Max
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from officepass.accounts.models import User
from officepass.core import clock, reconcile
from officepass.locks import services as lock_services
from officepass.locks.models import LockCommand
from officepass.locks.services import lock_configure
from officepass.offices.models import Space
from officepass.stays.models import Stay
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.services import (
    stay_check_in,
    stay_checkout,
    stay_extend,
    stay_force_checkout,
    stay_unlock,
    stays_finalize_expired,
)
from officepass.tickets.cycles import cycles_roll_due
from officepass.tickets.models import LedgerEntry, TicketAccount
from officepass.tickets.services import ticket_grant, ticket_purchase_pack, ticket_refund
from tests.properties.model import (
    CURRENT,
    DAY_HOURS,
    LOCK_MODES,
    MACHINE_SETTINGS,
    OFF,
    TOKYO,
    UNITS,
    StayModel,
)
from tests.properties.world import StayWorld


class StayMachine(StayWorld):
    stays: Bundle[int] = Bundle("stays")

    # -- member actions -----------------------------------------------------------------------

    @initialize(target=stays, who=st.integers(0, 3), where=st.integers(0, 2), units=UNITS, off=OFF)
    def first_check_in(self, who: int, where: int, units: int, off: int) -> Any:
        return self.check_in(who, where, units, off)

    @initialize(modes=st.lists(LOCK_MODES, min_size=3, max_size=3))
    def first_lock_modes(self, modes: list[str]) -> None:
        for where, mode in enumerate(modes):
            self.set_lock_mode(where, mode)

    @rule(target=stays, stay=stays, who=st.integers(0, 3), units=UNITS, off=OFF)
    def check_in_next_to(self, stay: int, who: int, units: int, off: int) -> Any:
        """Someone checks in where a stay is (or was): contention for the seats and quota."""
        where = self.spaces.index(self.stay_models[stay].space)
        return self.check_in(who, where, units, off)

    @rule(target=stays, who=st.integers(0, 3), where=st.integers(0, 2), units=UNITS, off=OFF)
    def check_in(self, who: int, where: int, units: int, off: int) -> Any:
        """`units` × the office's unit, minus `off` minutes (0 mostly: a selectable length)."""
        member, space = self.members[who], self.spaces[where]
        office, now = space.office, clock.now()
        minutes = units * office.unit - off
        duration_error = office.duration_error(
            minutes, start=now, now=now, past_closing="invalid_duration"
        )
        tickets = math.ceil(minutes / office.unit)  # docs/rules.md, rule 2, counted as chosen
        allowed: set[str] = set()
        if duration_error:
            allowed = {duration_error}
        else:
            self._roll(member, now)  # the check-in closes a finished cycle first
            if space.mode == "offline":
                allowed = {"lock_unavailable"}
            else:
                running = [s for s in self.stay_models.values() if s.running(now)]
                if sum(1 for s in running if s.space is space) >= space.quota:
                    allowed.add("space_full")
                if any(s.member is member for s in running):
                    allowed.add("already_checked_in")
                if not member.postpaid and member.balance < tickets:
                    allowed.add("insufficient_tickets")
        before = LedgerEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        stay, code = self._call(
            "check_in",
            lambda: stay_check_in(member=self._user(member), code=space.code, minutes=minutes),
        )
        self._expect(f"check-in {member.name}→space {where} {minutes} min", code, allowed)
        if stay is None:
            return multiple()
        assert stay.status == Stay.Status.ACTIVE and stay.space_id == space.pk
        assert stay.started_at == now and stay.deadline == now + timedelta(minutes=minutes)
        assert stay.tickets_consumed == tickets, (stay.tickets_consumed, minutes, office.unit)
        charge = LedgerEntry.objects.get(stay_id=stay.pk)
        assert charge.kind == LedgerEntry.Kind.CONSUME and charge.tickets == -tickets
        assert LedgerEntry.objects.filter(pk__gt=before, stay__isnull=False).count() == 1
        member.balance -= tickets
        self.stay_models[stay.pk] = StayModel(
            stay.pk, member, space, now, stay.deadline, tickets=tickets
        )
        return stay.pk

    @rule(
        stay=stays,
        current=CURRENT,
        units=UNITS,
        off=OFF,
        wait=st.sampled_from([10, 1, 15, 16, None]),
    )
    def extend(self, stay: int, current: bool, units: int, off: int, wait: int | None) -> None:
        """With `wait`, the member first waits until `wait` minutes before the deadline."""
        model = self._target(stay, current)
        stay = model.pk
        if wait is not None:
            self._move_to(model.deadline - timedelta(minutes=wait))
        member, office, now = model.member, model.space.office, clock.now()
        minutes = units * office.unit - off
        tickets = math.ceil(minutes / office.unit)
        allowed: set[str] = set()
        if model.running(now):
            self._roll(member, now)  # the extension closes a finished cycle first
        if not model.running(now):
            allowed = {"stay_not_active"}
        elif now < model.deadline - timedelta(minutes=office.window):
            allowed = {"extension_not_open"}
        elif error := office.duration_error(
            minutes, start=model.deadline, now=now, past_closing="office_closing"
        ):
            allowed = {error}
        elif member.extensions_need_tickets and member.balance < tickets:
            allowed = {"insufficient_tickets"}
        result, code = self._call(
            "extend",
            lambda: stay_extend(member=self._user(member), stay_id=stay, minutes=minutes),
        )
        self._expect(f"extend stay {stay} by {minutes}", code, allowed)
        if result is None:
            return
        model.deadline += timedelta(minutes=minutes)
        model.tickets += tickets
        member.balance -= tickets
        assert result.deadline == model.deadline
        assert result.tickets_consumed == model.tickets

    @rule(stay=stays, current=CURRENT)
    def unlock(self, stay: int, current: bool = False) -> None:
        model = self._target(stay, current)
        stay = model.pk
        member, now = model.member, clock.now()
        if now >= model.deadline or model.ended:
            allowed = {"stay_not_active"}  # docs/rules.md, rules 7, 9, 10: no unlock after the end
        elif self._recent_commands(member, now) >= django_settings.UNLOCK_RATE_PER_MINUTE:
            allowed = {"too_many_attempts"}
        elif model.space.mode != "normal":
            allowed = {"lock_unavailable"}
        else:
            allowed = set()
        before = LockCommand.objects.count()
        result, code = self._call(
            "unlock", lambda: stay_unlock(member=self._user(member), stay_id=stay)
        )
        self._expect(f"unlock stay {stay}", code, allowed)
        sent = LockCommand.objects.count() - before
        if code in ("stay_not_active", "too_many_attempts"):
            assert sent == 0, "a refused unlock must not reach the lock"
        else:
            assert sent == 1
            member.commands.append(now)
            model.unlocks.append(code is None)
        if result is not None:
            assert result[0] == "unlocked"

    @rule(stay=stays, current=CURRENT, exit_unlock=st.booleans())
    def checkout(self, stay: int, current: bool, exit_unlock: bool) -> None:
        model = self._target(stay, current)
        stay = model.pk
        member, now = model.member, clock.now()
        allowed = set() if model.running(now) else {"stay_not_active"}
        result, code = self._call(
            "checkout",
            lambda: stay_checkout(member=self._user(member), stay_id=stay, unlock=exit_unlock),
        )
        self._expect(f"checkout stay {stay}", code, allowed)
        if result is None:
            return
        ended, command = result
        model.ended = True
        assert ended.status == Stay.Status.CHECKED_OUT and ended.ended_at == now
        assert (command is not None) == exit_unlock
        if exit_unlock:
            member.commands.append(now)

    @rule(
        stay=stays,
        current=CURRENT,
        before=st.sampled_from(["jam_and_unlock", "unlock", "nothing"]),
    )
    def recover(self, stay: int, current: bool, before: str) -> None:
        """One-tap recovery; `before`: the member first taps Unlock (after the lock jammed)."""
        model = self._target(stay, current)
        stay = model.pk
        if before == "jam_and_unlock":
            self.set_lock_mode(self.spaces.index(model.space), "jammed")
        if before != "nothing":
            self.unlock(stay)
        member, now = model.member, clock.now()
        window = timedelta(minutes=django_settings.RECOVERY_WINDOW_MINUTES)
        if not model.running(now):
            allowed = {"stay_not_active"}
        elif not model.unlocks or now > model.started_at + window:
            allowed = {"recovery_not_available"}
        elif any(model.unlocks):
            allowed = {"recovery_needs_help_desk"}
        else:
            allowed = set()
        result, code = self._call(
            "recover",
            lambda: stay_recover_failed_entry(member=self._user(member), stay_id=stay),
        )
        self._expect(f"recover stay {stay}", code, allowed)
        if result is None:
            return
        model.ended = True
        assert result.stay.status == Stay.Status.CANCELLED
        if model.tickets:
            assert result.refund is not None and result.refund.tickets == model.tickets
            self._roll(member, clock.now())  # the refund closes a finished cycle first
            member.balance += model.tickets

    @rule(
        stay=stays,
        who=st.integers(0, 3),
        action=st.sampled_from(["unlock", "extend", "checkout", "recover"]),
    )
    def act_on_someone_elses_stay(self, stay: int, who: int, action: str) -> None:
        model, member = self.stay_models[stay], self.members[who]
        if model.member is member:
            return
        user = self._user(member)
        calls: dict[str, Callable[[], object]] = {
            "unlock": lambda: stay_unlock(member=user, stay_id=stay),
            "extend": lambda: stay_extend(member=user, stay_id=stay, minutes=120),
            "checkout": lambda: stay_checkout(member=user, stay_id=stay),
            "recover": lambda: stay_recover_failed_entry(member=user, stay_id=stay),
        }
        commands, entries = LockCommand.objects.count(), LedgerEntry.objects.count()
        _, code = self._call(action, calls[action])
        assert code == "not_found", f"{action} on another member's stay gave {code!r}"
        assert (LockCommand.objects.count(), LedgerEntry.objects.count()) == (commands, entries)

    # -- staff and ledger ---------------------------------------------------------------------

    @rule(stay=stays)
    def force_checkout(self, stay: int) -> None:
        model, now = self.stay_models[stay], clock.now()
        if model.ended:
            allowed: set[str] | None = {"stay_not_active"}
        elif model.running(now):
            allowed = set()
        else:
            allowed = None  # past the deadline: a worker or a check-in may have ended it
        result, code = self._call(
            "force_checkout",
            lambda: stay_force_checkout(actor=self.staff, stay_id=stay, reason="test"),
        )
        if allowed is not None:
            self._expect(f"force checkout stay {stay}", code, allowed)
        elif code is not None:
            assert code == "stay_not_active"
        if result is not None:
            model.ended = True
            assert result.status == Stay.Status.FORCED_OUT
            assert result.ended_at == min(now, model.deadline)

    @rule(
        who=st.integers(0, 3),
        kind=st.sampled_from(["refund", "grant", "pack"]),
        tickets=st.integers(0, 4),
        key=st.sampled_from([None, "grant-a", "grant-b"]),
    )
    def ledger(self, who: int, kind: str, tickets: int, key: str | None) -> None:
        """A refund (rule 14), a grant (idempotent with a key) or an add-on pack of 5."""
        member = self.members[who]
        user = self._user(member)
        if kind == "pack":
            pack = ticket_purchase_pack(actor=None, member=user)
            assert pack.tickets == 5
            self._roll(member, clock.now())  # a move "now" closes a finished cycle first
            member.balance += pack.tickets
            return
        if kind == "refund":
            key = None
        calls: dict[str, Callable[[], LedgerEntry | None]] = {
            "refund": lambda: ticket_refund(
                actor=self.staff, member=user, tickets=tickets, reason="goodwill"
            ),
            "grant": lambda: ticket_grant(
                actor=self.staff, member=user, tickets=tickets, reason="bonus", key=key
            ),
        }
        entry, code = self._call(kind, calls[kind])
        self._expect(kind, code, set() if tickets > 0 else {"invalid_input"})
        if code is not None:
            return
        if key is not None and key in self.used_grant_keys:
            assert entry is None, "a grant with a used key must do nothing"
            return
        assert entry is not None and entry.tickets == tickets
        self._roll(member, clock.now())  # a move "now" closes a finished cycle first
        member.balance += tickets
        if key is not None:
            self.used_grant_keys.add(key)

    @rule(where=st.integers(0, 2), mode=LOCK_MODES)
    def set_lock_mode(self, where: int, mode: str) -> None:
        space = self.spaces[where]
        lock_configure(
            actor=self.staff,
            space=Space.objects.get(pk=space.pk),
            driver="simulator",
            lock_settings={"mode": mode},
        )
        space.mode = mode

    # -- workers ------------------------------------------------------------------------------

    @rule(job=st.sampled_from(["finalize", "cycles"]))
    def worker_tick(self, job: str) -> None:
        now = clock.now()
        if job == "finalize":
            stays_finalize_expired()
            assert not Stay.objects.filter(status=Stay.Status.ACTIVE, deadline__lte=now).exists()
            for model in self.stay_models.values():
                if model.deadline <= now:
                    model.ended = True
        else:
            due = [m for m in self.members if m.cycle_end is not None and m.cycle_end <= now]
            assert cycles_roll_due() == len(due)
            for member in due:
                self._roll(member, now)

    # -- the clock ----------------------------------------------------------------------------

    @rule(minutes=st.sampled_from([1, 14, 15, 16, 29, 31, 60, 119, 121, 240, 4320]))
    def move_clock(self, minutes: int) -> None:
        self._clock.shift(timedelta(minutes=minutes))

    @rule(stay=stays, seconds=st.sampled_from([-900, -600, -60, -1, 0, 1, 60]))
    def jump_to_deadline(self, stay: int, seconds: int) -> None:
        """Into the extension window, onto the deadline or just past it."""
        self._move_to(self.stay_models[stay].deadline + timedelta(seconds=seconds))

    @rule(
        landmark=st.sampled_from(["closing", "cycle_end"]),
        who=st.integers(0, 3),
        minutes=st.sampled_from([-241, -240, -121, -120, -16, -15, -1, 0, 1, 600]),
    )
    def jump_to_landmark(self, landmark: str, who: int, minutes: int) -> None:
        """Around the day office's next closing time, or a member's cycle end."""
        if landmark == "closing":
            local = clock.now().astimezone(TOKYO)
            closing = local.replace(hour=DAY_HOURS[1], minute=0, second=0, microsecond=0)
            if closing <= local:
                closing += timedelta(days=1)
            target: datetime | None = closing.astimezone(UTC)
        else:
            target = self.members[who].cycle_end
        if target is not None:
            self._move_to(target + timedelta(minutes=minutes))

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def reconcile_finds_no_breach(self) -> None:
        assert reconcile.all_breaches() == []

    @invariant()
    def at_most_one_running_stay_per_member(self) -> None:
        doubles = (
            Stay.objects.filter(status=Stay.Status.ACTIVE, deadline__gt=clock.now())
            .values("member_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not doubles.exists(), list(doubles)

    @invariant()
    def running_stays_within_quota(self) -> None:
        running = dict(
            Stay.objects.filter(status=Stay.Status.ACTIVE, deadline__gt=clock.now())
            .values_list("space_id")
            .annotate(n=Count("id"))
            .values_list("space_id", "n")
        )
        for space in self.spaces:
            assert running.get(space.pk, 0) <= space.quota

    @invariant()
    def balances_match_the_model(self) -> None:
        balances = dict(TicketAccount.objects.values_list("member_id", "balance"))
        for member in self.members:
            assert balances[member.pk] == member.balance, (member.name, balances[member.pk])
            if not member.postpaid:
                assert member.balance >= 0, f"{member.name}: negative balance on a ticket plan"

    @invariant()
    def cycles_match_the_model(self) -> None:
        ends = dict(User.objects.values_list("pk", "cycle_ends_at"))
        for member in self.members:
            assert ends[member.pk] == member.cycle_end, member.name

    @invariant()
    def running_stays_match_the_model(self) -> None:
        now = clock.now()
        actual = set(
            Stay.objects.filter(status=Stay.Status.ACTIVE, deadline__gt=now).values_list(
                "pk", "member_id", "deadline"
            )
        )
        expected = {
            (s.pk, s.member.pk, s.deadline) for s in self.stay_models.values() if s.running(now)
        }
        assert actual == expected

    @invariant()
    def no_unlock_after_the_end(self) -> None:
        """Each member's latest stay that is over (deadline passed or ended) cannot unlock."""
        now = clock.now()
        latest: dict[int, StayModel] = {}
        for model in self.stay_models.values():
            if not model.running(now):
                latest[model.member.pk] = model  # dicts keep insertion (= creation) order
        for model in latest.values():
            before = LockCommand.objects.count()

            def attempt(m: StayModel = model) -> object:
                return stay_unlock(member=self._user(m.member), stay_id=m.pk)

            _, code = self._call("unlock (invariant)", attempt)
            assert code == "stay_not_active", f"unlock of ended stay {model.pk} gave {code!r}"
            assert LockCommand.objects.count() == before


@pytest.mark.django_db
def test_stay_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "sqlite":
        # Logic, not concurrency (tests/concurrency); on PostgreSQL it takes ~5 min, not ~20 s.
        pytest.skip("stateful property test runs on SQLite (make test's first pass)")
    # An offline lock is retried once after a real 0.25 s pause; not worth waiting for here.
    monkeypatch.setattr(lock_services, "RETRY_PAUSE_SECONDS", 0)
    run_state_machine_as_test(StayMachine, settings=MACHINE_SETTINGS)
