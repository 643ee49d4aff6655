"""Web Push end to end against a local push service that checks VAPID and decrypts RFC 8291
payloads itself (tests/notifications/pushservice.py)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.models import AuditEntry
from officepass.core.registry import tick
from officepass.notifications import tasks
from officepass.notifications.models import Delivery, Kind, Notification, PushSubscription
from officepass.notifications.services import push_preferences_set, push_subscribe
from officepass.stays.services import stay_check_in, stay_force_checkout
from tests import factories as f

MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 Tokyo; deadline 14:00 Tokyo


def at(delta: timedelta):
    return time_machine.travel(MORNING + delta, tick=False)


def subscribed(push_service, member):
    sub = push_service.subscribe()
    push_subscribe(
        member=member,
        endpoint=sub["endpoint"],
        p256dh=sub["keys"]["p256dh"],
        auth=sub["keys"]["auth"],
    )
    return sub["endpoint"]


def two_members_checked_in(push_service):
    with at(timedelta(0)):
        space = f.space(f.office("Shibuya Base", unit_minutes=120), quota=4)
        ja = f.member("ja@example.com")
        en = f.member("en@example.com")
        en.language = "en"
        en.save(update_fields=["language"])
        endpoints = {"ja": subscribed(push_service, ja), "en": subscribed(push_service, en)}
        for m in (ja, en):
            stay_check_in(member=m, code=f.code_for(space), minutes=240)
    return endpoints


def check_t15_and_t5(push_service, endpoints, run_round, last=lambda: None):
    with at(timedelta(hours=3, minutes=44)):
        run_round()
    assert push_service.received == []
    with at(timedelta(hours=3, minutes=46)):
        run_round()
        assert push_service.wait_until(lambda: len(push_service.received) >= 2)
        run_round()
    with at(timedelta(hours=3, minutes=56)):
        run_round()
        assert push_service.wait_until(lambda: len(push_service.received) >= 4)
        run_round()
        last()  # workers stop before the clock leaves the stay's time
    ja = [r.message for r in push_service.for_token(endpoints["ja"])]
    en = [r.message for r in push_service.for_token(endpoints["en"])]
    assert [m["kind"] for m in ja] == ["extension_open", "deadline_soon"]
    assert [m["kind"] for m in en] == ["extension_open", "deadline_soon"]
    assert ja[0]["title"] == "利用時間を延長できるようになりました"
    assert "14:00" in ja[0]["body"] and "Shibuya Base" in ja[0]["body"]
    assert en[0]["title"] == "You can extend your stay now"
    assert ja[1]["title"] == "チェックアウト期限まであと5分です"
    assert en[1]["title"] == "5 minutes to your checkout deadline"
    assert "automatically" in en[1]["body"] and "14:00" in en[1]["body"]
    assert all(m["url"].startswith("/stays/") for m in ja + en)
    assert push_service.rejected == []
    assert all(r.subject.startswith("mailto:") for r in push_service.received)


@pytest.mark.django_db
def test_t15_and_t5_pushes_arrive_once_each_in_the_members_language(vapid, push_service):
    endpoints = two_members_checked_in(push_service)
    check_t15_and_t5(push_service, endpoints, tick)


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_reminder_once(on_postgres, vapid, push_service, workers):
    endpoints = two_members_checked_in(push_service)
    running = workers(2).__enter__()
    try:
        check_t15_and_t5(
            push_service, endpoints, running.settle, last=lambda: running.__exit__(None)
        )
    finally:
        running.stop.set()
    assert sum(running.rounds) >= 12
    assert len(push_service.received) == 4


@pytest.mark.django_db
def test_a_410_removes_the_subscription(vapid, push_service):
    endpoints = two_members_checked_in(push_service)
    push_service.gone.add(endpoints["en"].rsplit("/", 1)[-1])
    with at(timedelta(hours=3, minutes=46)):
        tick()
        tick()
    assert [r.token for r in push_service.received] == [endpoints["ja"].rsplit("/", 1)[-1]]
    assert not PushSubscription.objects.filter(endpoint=endpoints["en"]).exists()
    assert PushSubscription.objects.filter(endpoint=endpoints["ja"]).exists()
    assert Delivery.objects.filter(status="gone").count() == 1
    assert AuditEntry.objects.filter(action="push.expired").count() == 1


@pytest.mark.django_db
def test_push_off_for_a_kind_sends_e_mail_instead(vapid, push_service, mailoutbox):
    endpoints = two_members_checked_in(push_service)
    en = PushSubscription.objects.get(endpoint=endpoints["en"]).member
    push_preferences_set(member=en, on={Kind.DEADLINE_SOON})
    with at(timedelta(hours=3, minutes=46)):
        tick()
        tick()
    assert len(push_service.received) == 1
    assert [m.to for m in mailoutbox] == [[en.email]]
    assert mailoutbox[0].subject == "You can extend your stay now"


@pytest.mark.django_db
def test_without_vapid_keys_the_reminder_goes_by_e_mail_once(mailoutbox):
    with at(timedelta(0)):
        space = f.space(f.office(unit_minutes=120))
        stay = stay_check_in(member=f.member(), code=f.code_for(space), minutes=240)
    with at(timedelta(hours=3, minutes=46)):
        tick()
        tick()
    assert [m.to for m in mailoutbox] == [[stay.member.email]]
    assert mailoutbox[0].subject == "利用時間を延長できるようになりました"


@pytest.mark.django_db
def test_forced_and_staff_checkouts_say_their_cause(vapid, push_service):
    endpoints = two_members_checked_in(push_service)
    staff = f.member("staff@example.com")
    staff.is_staff = True
    staff.save()
    en = PushSubscription.objects.get(endpoint=endpoints["en"]).member
    with at(timedelta(hours=1)):
        stay_force_checkout(actor=staff, stay_id=en.stays.get().pk, reason="fire drill")
        tick()
    with at(timedelta(hours=4, minutes=1)):
        tick()
        tick()
    kinds = {r.token: [m["kind"] for m in [r.message]] for r in push_service.received}
    en_msgs = [r.message for r in push_service.for_token(endpoints["en"])]
    ja_msgs = [r.message for r in push_service.for_token(endpoints["ja"])]
    assert [m["kind"] for m in en_msgs] == ["staff_ended"], kinds
    assert "fire drill" in en_msgs[0]["body"]
    assert [m["kind"] for m in ja_msgs] == ["forced_out"]
    assert Notification.objects.filter(kind="forced_out").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_senders_claim_each_delivery_once_with_a_control(
    on_postgres, vapid, push_service, monkeypatch
):
    """Both senders list the same due rows before either claims (a barrier); the guarded
    claim sends each once. The control drops the guard and the same race sends twice."""
    with at(timedelta(0)):
        ja = f.member("ja@example.com")
        endpoint = subscribed(push_service, ja)

    def race(guarded: bool) -> int:
        push_service.received.clear()
        Notification.objects.all().delete()
        with at(timedelta(0)):
            rows = [
                Notification(
                    member=ja,
                    kind="seat_free",
                    key=f"k{i}",
                    title="t",
                    body="b",
                    url="/",
                    created_at=MORNING,
                )
                for i in range(20)
            ]
            Notification.objects.bulk_create(rows)
            sub = PushSubscription.objects.get(endpoint=endpoint)
            Delivery.objects.bulk_create(
                Delivery(
                    notification=n,
                    target=f"push:{sub.pk}",
                    subscription=sub,
                    next_attempt_at=MORNING,
                )
                for n in Notification.objects.all()
            )
        barrier = threading.Barrier(2)
        real_claim = tasks._claim
        waited = threading.local()

        def claim(pks, now):
            if not getattr(waited, "done", False):
                waited.done = True
                barrier.wait(timeout=30)
            if guarded:
                return real_claim(pks, now)
            Delivery.objects.filter(pk__in=pks).update(status="sending", claimed_at=now)
            return pks

        monkeypatch.setattr(tasks, "_claim", claim)
        from tests.concurrency.race import run_together

        with at(timedelta(0)):
            run_together([tasks.deliveries_send, tasks.deliveries_send])
        return len(push_service.received)

    assert race(guarded=True) == 20
    assert race(guarded=False) > 20  # the control: without the guard the race double-sends
