"""The lock contract, run against every driver (simulator, mqtt, switchbot, webhook, remotelock,
sesame, akerun).

1. the same request id reaches the door once; asking again returns the same outcome;
2. nothing is sent once `not_after` has passed: the command is recorded as expired;
3. after an ambiguous timeout (sent, no answer) a retry never reaches the door again;
4. every attempt through the services leaves an audit row for the request and its outcome;
5. no configured secret appears in any log record, the command row or the audit rows.
"""

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.forms.models import model_to_dict

from officepass.core import clock
from officepass.core.models import AuditEntry
from officepass.locks import services
from officepass.locks.drivers.base import ErrorCode, LockError, Outcome
from officepass.locks.drivers.mqtt import connection as mqtt_connections
from officepass.locks.models import LockCommand
from officepass.locks.registry import driver_for
from officepass.locks.services import lock_command_create, lock_command_send
from officepass.offices.models import Space
from tests.locks.contract.conftest import DRIVERS, OK, REFUSE, SILENT, LockAdapter

pytestmark = pytest.mark.django_db


def drivers(**xfail: str) -> list[Any]:
    """Every driver as an indirect parameter of `lock`; `name=reason` marks a known violation."""
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=xfail[name]))
        if name in xfail
        else name
        for name in DRIVERS
    ]


def every_driver(**xfail: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("lock", drivers(**xfail), indirect=True)


def create(space: Space) -> LockCommand:
    return lock_command_create(member=None, space=space, stay=None, purpose="unlock")


def outcome_of(command: LockCommand) -> tuple[str, str]:
    command.refresh_from_db()
    return command.status, command.error_code


def audit_actions(command: LockCommand) -> list[str]:
    rows = AuditEntry.objects.filter(target_type="locks.lockcommand", target_id=str(command.pk))
    return sorted(rows.values_list("action", flat=True))


# -- 1. request-id dedupe ------------------------------------------------------------------------


def direct_outcome(command: LockCommand) -> tuple[str, str]:
    """Ask a fresh driver instance (as another request in this process would get) again."""
    try:
        result = driver_for(command.space).unlock(
            request_id=command.request_id, not_after=command.not_after
        )
    except LockError as exc:
        expired = exc.code == ErrorCode.EXPIRED
        return (LockCommand.Status.EXPIRED if expired else LockCommand.Status.FAILED), exc.code
    return services.OUTCOME_STATUS[result.outcome], ""


@pytest.mark.parametrize(
    ("lock", "behaviour"),
    [(name, behaviour) for behaviour in (OK, REFUSE) for name in DRIVERS],
    indirect=["lock"],
)
def test_the_same_request_id_reaches_the_door_once_with_the_same_outcome(
    lock: LockAdapter, behaviour: str
) -> None:
    command = create(lock.space(behaviour))
    first = outcome_of(lock_command_send(command))
    if behaviour == OK:
        assert first == (lock.ok_status, "")
    else:
        assert first[0] == LockCommand.Status.FAILED
    reached = lock.reached(command.request_id)
    assert reached == (1 if behaviour == OK else reached)

    again = outcome_of(lock_command_send(command))
    direct = direct_outcome(command)

    assert (again, direct) == (first, first)
    assert lock.reached(command.request_id) == reached


# -- 2. nothing sent after not_after -------------------------------------------------------------


@every_driver()
def test_a_command_past_its_not_after_is_never_sent(lock: LockAdapter) -> None:
    command = create(lock.space(OK))
    command.not_after = clock.now() - timedelta(seconds=1)
    command.save(update_fields=["not_after"])

    lock_command_send(command)

    assert outcome_of(command) == (LockCommand.Status.EXPIRED, ErrorCode.EXPIRED)
    assert lock.reached(command.request_id) == 0


@every_driver()
def test_the_driver_itself_refuses_to_send_after_not_after(
    lock: LockAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The services' own deadline check is bypassed (their clock runs late) so the driver's
    check is what keeps the command from going out; its LockError "expired" is recorded as
    status expired."""
    command = create(lock.space(OK))
    command.not_after = clock.now() - timedelta(seconds=1)
    command.save(update_fields=["not_after"])
    late_clock = SimpleNamespace(now=lambda: clock.now() - timedelta(minutes=2))
    monkeypatch.setattr(services, "clock", late_clock)

    lock_command_send(command)

    assert outcome_of(command) == (LockCommand.Status.EXPIRED, ErrorCode.EXPIRED)
    assert lock.reached(command.request_id) == 0


@every_driver()
def test_a_direct_unlock_past_not_after_raises_expired_and_sends_nothing(
    lock: LockAdapter,
) -> None:
    command = create(lock.space(OK))
    with pytest.raises(LockError) as refused:
        driver_for(command.space).unlock(
            request_id=command.request_id, not_after=clock.now() - timedelta(seconds=1)
        )
    assert refused.value.code == ErrorCode.EXPIRED and refused.value.retryable is False
    assert lock.reached(command.request_id) == 0


# -- 3. no re-send after an ambiguous timeout ----------------------------------------------------


@every_driver()
def test_after_an_ambiguous_timeout_a_retry_never_reaches_the_door(lock: LockAdapter) -> None:
    space = lock.space(SILENT)
    command = create(space)
    assert outcome_of(lock_command_send(command)) == (LockCommand.Status.UNKNOWN, "")
    assert lock.reached(command.request_id) == 1

    retried = outcome_of(lock_command_send(command))
    direct = driver_for(space).unlock(request_id=command.request_id, not_after=command.not_after)

    assert retried == (LockCommand.Status.UNKNOWN, "")
    assert direct.outcome == Outcome.UNKNOWN
    assert lock.reached(command.request_id) == 1


# -- 4. an audit row for every attempt -----------------------------------------------------------

EXPIRED = "expired"  # a behaviour of its own: the command's not_after has already passed


@every_driver()
@pytest.mark.parametrize("behaviour", [OK, SILENT, REFUSE, EXPIRED])
def test_every_attempt_leaves_a_request_and_an_outcome_audit_row(
    lock: LockAdapter, behaviour: str
) -> None:
    command = create(lock.space(OK if behaviour == EXPIRED else behaviour))
    assert audit_actions(command) == ["lock.unlock_requested"]
    if behaviour == EXPIRED:
        command.not_after = clock.now() - timedelta(seconds=1)
        command.save(update_fields=["not_after"])

    status, error = outcome_of(lock_command_send(command))

    expected = {
        OK: lock.ok_status,
        SILENT: LockCommand.Status.UNKNOWN,
        REFUSE: LockCommand.Status.FAILED,
        EXPIRED: LockCommand.Status.EXPIRED,
    }[behaviour]
    assert status == expected
    assert audit_actions(command) == sorted(["lock.unlock_requested", f"lock.unlock_{status}"])
    outcome_row = AuditEntry.objects.get(target_id=str(command.pk), action=f"lock.unlock_{status}")
    assert outcome_row.data["error"] == error

    # A second attempt (a retry of the send) is audited too: one more outcome row.
    lock_command_send(command)
    actions = audit_actions(command)
    assert actions.count("lock.unlock_requested") == 1
    assert len([a for a in actions if a != "lock.unlock_requested"]) == 2


# -- 5. no secret in any log line, command row or audit row --------------------------------------


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG for the root and every known logger, non-propagating ones included."""
    caplog.set_level(logging.DEBUG)
    detached: list[logging.Logger] = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        caplog.set_level(logging.DEBUG, logger=name)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
            detached.append(logger)
    yield caplog
    for logger in detached:
        logger.removeHandler(caplog.handler)


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), repr(record.args), repr(record.__dict__)]
    return "\n".join(parts)


@every_driver()
@pytest.mark.parametrize("behaviour", [OK, SILENT, REFUSE])
def test_no_secret_reaches_a_log_line_or_a_stored_row(
    lock: LockAdapter, behaviour: str, all_logs: pytest.LogCaptureFixture
) -> None:
    mqtt_connections.close_all()  # so the MQTT login (with the password) happens in here
    command = create(lock.space(behaviour))
    lock_command_send(command)
    status, _ = outcome_of(command)
    # The secrets were really used: the fakes check the signatures, so "ok" proves it.
    assert status == {OK: lock.ok_status, SILENT: "unknown", REFUSE: "failed"}[behaviour]

    logged = everything_logged(all_logs)
    row = json.dumps(model_to_dict(command), default=str)
    audits = json.dumps(list(AuditEntry.objects.values("action", "data")), default=str)
    for secret in lock.secrets:
        assert secret not in logged, f"{lock.name}: secret in a log record"
        assert secret not in row, f"{lock.name}: secret in the LockCommand row"
        assert secret not in audits, f"{lock.name}: secret in the audit rows"
