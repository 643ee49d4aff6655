"""A trouble-report reply, and a push service that fails first: retried with backoff, once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.registry import all_breaches, tick
from officepass.notifications.models import Delivery
from officepass.notifications.services import push_subscribe
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
