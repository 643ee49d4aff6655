"""A trouble-report reply, a push service that fails first (retried with backoff, once), and
rounds that read only the forced checkouts not yet told."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from officepass.core.models import AuditEntry
from officepass.core.registry import all_breaches, tick
from officepass.notifications import tasks
from officepass.notifications.models import Delivery, Notification
from officepass.notifications.services import push_subscribe
from officepass.stays.services import stay_check_in
from officepass.support.services import trouble_report_create, trouble_report_set_status
from tests import factories as f

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def subscribed(push_service, member):
    sub = push_service.subscribe()
    push_subscribe(
        member=member,
        endpoint=sub["endpoint"],
        p256dh=sub["keys"]["p256dh"],
        auth=sub["keys"]["auth"],
    )
    return sub["endpoint"]


def test_a_staff_reply_to_a_trouble_report_is_pushed_in_english(vapid, push_service):
    with time_machine.travel(NOON, tick=False):
        member = f.member()
        member.language = "en"
        member.save(update_fields=["language"])
        endpoint = subscribed(push_service, member)
        office = f.office("Kanda Desk")
        report = trouble_report_create(
            member=member, office_id=office.pk, stay_id=None, kind="other", message="Wi-Fi down"
        )
        staff = f.member("staff@example.com")
        staff.is_staff = True
        staff.save()
        trouble_report_set_status(actor=staff, report=report, status="resolved")
        tick()
    [message] = [r.message for r in push_service.for_token(endpoint)]
    assert message["kind"] == "trouble_reply" and message["url"] == "/trouble"
    assert message["body"] == f"Report #{report.pk} at Kanda Desk is now: Resolved"


def test_a_failing_push_service_is_retried_with_backoff_and_sent_once(vapid, push_service):
    with time_machine.travel(NOON, tick=False):
        space = f.space(f.office(unit_minutes=120))
        member = f.member()
        endpoint = subscribed(push_service, member)
        from officepass.stays.services import stay_check_in

        stay_check_in(member=member, code=f.code_for(space), minutes=120)
    push_service.failing[endpoint.rsplit("/", 1)[-1]] = 2
    at = NOON + timedelta(minutes=106)
    with time_machine.travel(at, tick=False):
        tick()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at == at + timedelta(seconds=1)
    with time_machine.travel(at + timedelta(seconds=1), tick=False):
        tick()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == at + timedelta(seconds=3)
    with time_machine.travel(at + timedelta(seconds=2), tick=False):
        tick()  # not yet due: nothing sent
    assert push_service.received == []
    with time_machine.travel(at + timedelta(seconds=3), tick=False):
        tick()
        tick()
        assert all_breaches() == []
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 3
    assert len(push_service.for_token(endpoint)) == 1


def test_reconcile_reports_a_delivery_stuck_mid_send_and_the_worker_never_resends_it(
    vapid, push_service
):
    from officepass.notifications.models import Notification
    from officepass.notifications.tasks import deliveries_send

    with time_machine.travel(NOON, tick=False):
        member = f.member()
        subscribed(push_service, member)
        notice = Notification.objects.create(
            member=member,
            kind="seat_free",
            key="x",
            title="t",
            body="b",
            url="/",
            created_at=NOON,
        )
        Delivery.objects.create(
            notification=notice,
            target="email",
            status="sending",
            claimed_at=NOON,
            next_attempt_at=NOON,
        )
    with time_machine.travel(NOON + timedelta(minutes=6), tick=False):
        assert any("is sending since" in line for line in all_breaches())
        deliveries_send()
        assert Delivery.objects.get().status == "failed"
        assert all_breaches() == []
    assert push_service.received == []


def _forced_out_three_and_told(tick_round: Any) -> None:
    with time_machine.travel(NOON, tick=False):
        space = f.space(quota=3)
        for i in range(3):
            stay_check_in(member=f.member(f"m{i}@example.com"), code=f.code_for(space), minutes=120)
    with time_machine.travel(NOON + timedelta(hours=2, minutes=1), tick=False):
        tick_round()
        tick_round()
        assert Notification.objects.filter(kind="forced_out").count() == 3


def _stays_read_by_a_later_round() -> list[str]:
    with (
        time_machine.travel(NOON + timedelta(hours=2, minutes=2), tick=False),
        CaptureQueriesContext(connection) as later,
    ):
        tasks.notifications_collect()
    assert Notification.objects.filter(kind="forced_out").count() == 3  # told once
    return [q["sql"] for q in later.captured_queries if '"stays_stay"."id" IN' in q["sql"]]


def test_a_later_round_does_not_read_forced_checkouts_already_told_again():
    """Issue 18: each round read every forced checkout of the last 15 minutes, and their
    stays, to find that all were told already."""
    _forced_out_three_and_told(tick)
    assert _stays_read_by_a_later_round() == []


def test_control_without_the_filter_a_later_round_reads_them_again(monkeypatch):
    def every(action: str, kinds: list[str], now: Any) -> list[AuditEntry]:
        return list(AuditEntry.objects.filter(action=action, created_at__gte=now - tasks.LOOKBACK))

    monkeypatch.setattr(tasks, "_untold", every)
    _forced_out_three_and_told(tick)
    assert len(_stays_read_by_a_later_round()) == 1
