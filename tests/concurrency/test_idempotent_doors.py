"""Idempotency-Key and doors on PostgreSQL (docs/architecture.md, decision 12): claim, then act,
then record.

A fake webhook door looks at the database from its own connection when a command arrives.
Each guarantee has a control that puts main's old shape back (the view inside the key's
transaction, no guard in `lock_command_send`) and shows the failure it prevents.
"""

import signal
import sys
import uuid
from collections import Counter
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import OperationalError, connection, transaction
from django.test import Client

from officepass.accounts.models import User
from officepass.accounts.services import token_create_for_login
from officepass.core import clock
from officepass.locks import services as lock_services
from officepass.locks.models import LockCommand
from officepass.stays import one_statement, services
from officepass.stays.models import Stay
from tests import factories
from tests.concurrency.door import WatchingDoor, door_space, watching_door
from tests.concurrency.old_idempotency import install_old_shape
from tests.concurrency.race import counter_breaches, run_together
from tests.concurrency.test_deadlocks import MINUTES, SWAP_PAUSE_S, _paused, _Swap
from tests.faults.procs import manage_env, spawn, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("on_postgres"),
    pytest.mark.django_db(transaction=True),
]
SWAP_ROUNDS = 5


def _token(member: User) -> str:
    return token_create_for_login(email=member.email, password=factories.PASSWORD)[0]


def _post(path: str, token: str, key: str, body: str = "") -> Any:
    return Client().post(
        path,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def _row_committed(payload: dict[str, Any]) -> bool:
    return LockCommand.objects.filter(request_id=payload["request_id"]).exists()


def _space_row_free(space_id: int, payload: dict[str, Any]) -> bool:
    """Can another transaction lock the space row right now (NOWAIT)?"""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM offices_space WHERE id = %s FOR UPDATE NOWAIT", [space_id]
            )
    except OperationalError:
        return False
    return True


def _stay_at_door(door: WatchingDoor) -> tuple[Stay, str]:
    space = door_space(door)
    member = factories.member(f"door-{uuid.uuid4().hex[:8]}@example.com", tickets=10)
    stay = services.stay_check_in(member=member, code=factories.code_for(space), minutes=120)
    return stay, _token(member)


def _keyed_unlock_door_sees(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with watching_door(monkeypatch) as door:
        door.look = _row_committed
        stay, token = _stay_at_door(door)
        answer = _post(f"/api/v1/stays/{stay.pk}/unlock", token, "unlock-1")
        assert answer.status_code == 200, answer.json()
        return door.looks


def test_the_door_never_sees_a_keyed_unlock_whose_command_row_is_not_committed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _keyed_unlock_door_sees(monkeypatch) == [True]


def test_control_with_the_view_inside_the_keys_transaction_the_door_sees_an_invisible_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install_old_shape(monkeypatch)
    assert _keyed_unlock_door_sees(monkeypatch) == [False]


def test_sending_a_door_command_inside_a_transaction_is_refused() -> None:
    command = lock_services.lock_command_create(
        member=None, space=factories.space(), stay=None, purpose="unlock"
    )
    with pytest.raises(RuntimeError, match="inside an open transaction"), transaction.atomic():
        lock_services.lock_command_send(command)
    command.refresh_from_db()
    assert command.status == LockCommand.Status.PENDING and command.attempted_at is None


def _keyed_checkout_space_row_free(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with watching_door(monkeypatch) as door:
        stay, token = _stay_at_door(door)
        door.look = partial(_space_row_free, stay.space_id)
        answer = _post(f"/api/v1/stays/{stay.pk}/checkout", token, "out-1", '{"unlock": true}')
        assert answer.status_code == 200, answer.json()
        return door.looks


def test_a_keyed_checkout_does_not_hold_the_space_row_during_the_exit_unlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _keyed_checkout_space_row_free(monkeypatch) == [True]


def test_control_with_the_view_inside_the_keys_transaction_the_exit_unlock_holds_the_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install_old_shape(monkeypatch)
    assert _keyed_checkout_space_row_free(monkeypatch) == [False]


def test_a_duplicate_while_the_first_runs_is_request_in_progress_then_a_replay(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.IDEMPOTENCY_WAIT_SECONDS = 0
    with watching_door(monkeypatch) as door:
        stay, token = _stay_at_door(door)
        door.hold = True
        path = f"/api/v1/stays/{stay.pk}/unlock"

        def duplicate_once_the_door_holds_the_first() -> Any:
            door.arrived.wait(30)
            try:
                return _post(path, token, "same-key")
            finally:
                door.release.set()

        first, duplicate = run_together(
            [partial(_post, path, token, "same-key"), duplicate_once_the_door_holds_the_first]
        )
        replay = _post(path, token, "same-key")

    assert duplicate.status_code == 409, duplicate.json()
    assert duplicate.json()["code"] == "request_in_progress"
    assert int(duplicate["Retry-After"]) >= 1
    assert first.status_code == 200 and first.json()["result"] == "unlocked"
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert len(door.commands) == 1 and LockCommand.objects.count() == 1


def _killed_mid_unlock_then_retried(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> tuple[WatchingDoor, Any]:
    """A web worker (its own process) sends a keyed unlock; the door holds the answer and the
    worker is SIGKILLed; then the member retries with the same key."""
    settings.IDEMPOTENCY_WAIT_SECONDS = 60  # the retry waits for the dead worker's session to end
    with watching_door(monkeypatch) as door:
        stay, token = _stay_at_door(door)
        door.hold = True
        path = f"/api/v1/stays/{stay.pk}/unlock"
        worker = spawn(
            [sys.executable, "-m", "tests.concurrency.keyed_post", path, token, "kill-key"],
            tmp_path / "worker.log",
            manage_env(),
        )
        try:
            wait_for(door.arrived.is_set, 60, "the worker's unlock to reach the door")
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=10) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()
        door.release.set()
        retry = _post(path, token, "kill-key")
    return door, retry


def test_a_retry_after_the_worker_died_mid_unlock_does_not_open_the_door_twice(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    door, retry = _killed_mid_unlock_then_retried(monkeypatch, settings, tmp_path)

    assert retry.status_code == 200, retry.json()
    assert retry.json()["result"] == "accepted"  # it may have opened: never sent again
    assert len(door.commands) == 1
    command = LockCommand.objects.get()
    assert command.status == LockCommand.Status.UNKNOWN and command.error_code == "not_resent"
    assert str(command.request_id) == door.commands[0]["request_id"]


def test_control_without_the_claims_command_link_the_retry_opens_the_door_again(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    monkeypatch.setattr(lock_services, "current_claim", lambda: None)
    door, retry = _killed_mid_unlock_then_retried(monkeypatch, settings, tmp_path)

    assert retry.status_code == 200
    assert len(door.commands) == 2  # the bug: a second opening for one key


def _keyed_swap_rounds(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """X → S2 and Y → S1 at once over HTTP with keys, after both stays expired."""
    checked_in = clock.now()
    with time_machine.travel(checked_in, tick=False):
        swaps = [_Swap(round_, quota=2) for round_ in range(SWAP_ROUNDS)]
        tokens = {swap: (_token(swap.x), _token(swap.y)) for swap in swaps}
    monkeypatch.setattr(services, "space_claim", _paused(services.space_claim, SWAP_PAUSE_S))
    # The same pause where a PostgreSQL check-in sends its writes as one statement.
    monkeypatch.setattr(
        one_statement, "check_in_writes", _paused(one_statement.check_in_writes, SWAP_PAUSE_S)
    )
    statuses: Counter[int] = Counter()
    with time_machine.travel(checked_in + timedelta(minutes=MINUTES, hours=1), tick=False):
        for round_, swap in enumerate(swaps):
            x_token, y_token = tokens[swap]
            x_body = f'{{"code": "{swap.code_s2}", "minutes": {MINUTES}}}'
            y_body = f'{{"code": "{swap.code_s1}", "minutes": {MINUTES}}}'
            answers = run_together(
                [
                    partial(_post, "/api/v1/stays", x_token, f"x-{round_}", x_body),
                    partial(_post, "/api/v1/stays", y_token, f"y-{round_}", y_body),
                ]
            )
            statuses.update(a.status_code for a in answers)
            assert counter_breaches([swap.s1, swap.s2]) == [], f"round {round_}"
    return statuses


def test_two_members_swapping_spaces_with_idempotency_keys_never_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _keyed_swap_rounds(monkeypatch) == {201: 2 * SWAP_ROUNDS}


def test_control_with_the_view_inside_the_keys_transaction_the_keyed_swap_deadlocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install_old_shape(monkeypatch)
    statuses = _keyed_swap_rounds(monkeypatch)
    assert statuses[503] > 0, statuses  # "deadlock detected" → 503 service_unavailable
