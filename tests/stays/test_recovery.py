"""One-tap recovery when the door does not open on entry, and the unlock rate limit."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.stays.models import Stay
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.services import stay_check_in, stay_unlock
from officepass.support.models import TroubleReport
from officepass.tickets.models import LedgerEntry
from tests import factories as f
from tests.mail import Inbox, smtp_inbox

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd); Django sends to it over the socket."""
    settings.SECRETARIAT_EMAIL = "secretariat@example.org"
    yield from smtp_inbox(settings)


def jammed_stay(tickets: int = 2) -> Stay:
    near = f.office("Near", lat=35.681, lng=139.761)
    f.space(near, seat_type="open")
    space = f.space(f.office("Jammed"), seat_type="open", lock_settings={"mode": "jammed"})
    return stay_check_in(member=f.member(tickets=5), code=f.code_for(space), minutes=120 * tickets)


@time_machine.travel(MORNING, tick=False)
def test_a_member_whose_door_did_not_open_gets_a_cancelled_stay_a_refund_and_a_report(
    smtp: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    stay = jammed_stay(tickets=2)
    with pytest.raises(DomainError) as failed:
        stay_unlock(member=stay.member, stay_id=stay.pk)
    assert failed.value.code == "lock_unavailable"
    with django_capture_on_commit_callbacks(execute=True):
        done = stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)
    stay.refresh_from_db()
    assert stay.status == "cancelled"
    stay.space.refresh_from_db()
    assert stay.space.in_use == 0
    assert done.refund is not None and done.refund.tickets == 2
    assert done.refund.kind == LedgerEntry.Kind.REFUND and "did not open" in done.refund.reason
    stay.member.ticket_account.refresh_from_db()
    assert stay.member.ticket_account.balance == 5
    report = TroubleReport.objects.get()
    assert report.kind == "entry_unlock" and report.stay_id == stay.pk
    assert report.diagnostics["commands"][0]["error"] == "jammed"
    assert [o["name"] for o in done.nearby] == ["Near"]
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "secretariat@example.org"
    assert "jammed" in mail.get_payload()
    assert AuditEntry.objects.filter(action="stay.cancelled", target_id=str(stay.pk)).exists()


@time_machine.travel(MORNING, tick=False)
def test_recovery_is_refused_once_the_door_has_opened() -> None:
    space = f.space()
    stay = stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)
    stay_unlock(member=stay.member, stay_id=stay.pk)
    with pytest.raises(DomainError) as error:
        stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "recovery_needs_help_desk"
    assert Stay.objects.get().status == "active"


@time_machine.travel(MORNING, tick=False)
def test_recovery_needs_a_failed_unlock_first_and_is_only_for_the_members_own_stay() -> None:
    stay = jammed_stay()
    with pytest.raises(DomainError) as error:
        stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "recovery_not_available"
    with pytest.raises(DomainError):
        stay_unlock(member=stay.member, stay_id=stay.pk)
    with pytest.raises(DomainError) as stranger:
        stay_recover_failed_entry(member=f.member("x@x.jp"), stay_id=stay.pk)
    assert stranger.value.code == "not_found"


def test_recovery_closes_after_its_window() -> None:
    with time_machine.travel(MORNING, tick=False):
        stay = jammed_stay()
        with pytest.raises(DomainError):
            stay_unlock(member=stay.member, stay_id=stay.pk)
    later = time_machine.travel(MORNING + timedelta(minutes=31), tick=False)
    with later, pytest.raises(DomainError) as error:
        stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "recovery_not_available"


@time_machine.travel(MORNING, tick=False)
def test_recovery_over_http_answers_with_the_refund_and_nearby_offices(client: Client) -> None:
    stay = jammed_stay()
    token = client.post(
        "/api/v1/auth/token",
        {"email": stay.member.email, "password": f.PASSWORD},
        content_type="application/json",
    ).json()["token"]
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    unlock = client.post(f"/api/v1/stays/{stay.pk}/unlock", **auth)
    assert unlock.status_code == 503 and unlock.json()["code"] == "lock_unavailable"
    assert unlock.json()["nearby"][0]["name"] == "Near"
    response = client.post(f"/api/v1/stays/{stay.pk}/recover", **auth)
    body = response.json()
    assert response.status_code == 200, body
    assert body["stay"]["status"] == "cancelled" and body["refunded_tickets"] == 2
    assert body["nearby"][0]["name"] == "Near"
    again = client.post(f"/api/v1/stays/{stay.pk}/recover", **auth)
    assert again.status_code == 409 and json.loads(again.content)["code"] == "stay_not_active"


@time_machine.travel(MORNING, tick=False)
def test_a_member_may_send_only_six_unlocks_a_minute(settings: Any) -> None:
    stay = stay_check_in(member=f.member(), code=f.code_for(f.space()), minutes=120)
    for _ in range(settings.UNLOCK_RATE_PER_MINUTE):
        assert stay_unlock(member=stay.member, stay_id=stay.pk)[0] == "unlocked"
    with pytest.raises(DomainError) as error:
        stay_unlock(member=stay.member, stay_id=stay.pk)
    assert error.value.code == "too_many_attempts"
    with time_machine.travel(MORNING + timedelta(seconds=61), tick=False):
        assert stay_unlock(member=stay.member, stay_id=stay.pk)[0] == "unlocked"
