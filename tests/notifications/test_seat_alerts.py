""" "Tell me when a seat frees": × → a checkout → one alert per waiting member, within 2 s."""

import time
from datetime import timedelta

import pytest
import time_machine

from officepass.core.errors import DomainError
from officepass.core.registry import tick
from officepass.notifications.models import SeatAlert
from officepass.notifications.services import push_subscribe, seat_alert_create
from officepass.stays.services import stay_check_in, stay_checkout
from tests import factories as f


def subscribed(push_service, email):
    member = f.member(email)
    sub = push_service.subscribe()
    push_subscribe(
        member=member,
        endpoint=sub["endpoint"],
        p256dh=sub["keys"]["p256dh"],
        auth=sub["keys"]["auth"],
    )
    return member, sub["endpoint"]


def full_space():
    space = f.space(f.office("Ebisu Hub"), quota=1)
    sitter = f.member("sitter@example.com")
    stay = stay_check_in(member=sitter, code=f.code_for(space), minutes=120)
    space.refresh_from_db()
    return space, stay


@pytest.mark.django_db(transaction=True)
def test_a_checkout_on_a_full_space_alerts_each_waiting_member_once_within_2s(
    vapid, push_service, workers
):
    space, stay = full_space()
    waiting = [subscribed(push_service, f"w{i}@example.com") for i in range(3)]
    for member, _ in waiting:
        seat_alert_create(member=member, space=space, hours=2)
    with workers(1, interval=0.2) as running:
        running.settle(2)
        assert push_service.received == []  # still ×: nothing yet
        started = time.monotonic()
        stay_checkout(member=stay.member, stay_id=stay.pk, unlock=False)
        assert push_service.wait_until(lambda: len(push_service.received) >= 3, timeout=2.0)
        elapsed = time.monotonic() - started
        running.settle(3)
    assert elapsed < 2.0
    for _, endpoint in waiting:
        messages = [r.message for r in push_service.for_token(endpoint)]
        assert [m["kind"] for m in messages] == ["seat_free"]
        assert messages[0]["title"] == "席が空きました"
        assert messages[0]["url"] == f"/offices/{space.office_id}"
    assert SeatAlert.objects.filter(fired_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_an_expired_alert_sends_nothing(vapid, push_service):
    space, stay = full_space()
    member, _ = subscribed(push_service, "late@example.com")
    seat_alert_create(member=member, space=space, hours=1)
    with time_machine.travel(stay.started_at + timedelta(hours=1, minutes=1), tick=False):
        stay_checkout(member=stay.member, stay_id=stay.pk, unlock=False)
        tick()
        tick()
    assert push_service.received == []
    assert SeatAlert.objects.get().fired_at is None


@pytest.mark.django_db
def test_an_alert_is_refused_where_seats_are_plenty(vapid):
    space = f.space(quota=3)
    with pytest.raises(DomainError) as error:
        seat_alert_create(member=f.member(), space=space, hours=2)
    assert error.value.code == "seat_available"


@pytest.mark.django_db
def test_one_left_waits_for_plenty_and_fires_once(vapid, push_service):
    space = f.space(f.office("Gotanda Loft"), quota=3)
    sitters = [f.member(f"s{i}@example.com") for i in range(2)]
    stays = [stay_check_in(member=m, code=f.code_for(space), minutes=120) for m in sitters]
    space.refresh_from_db()
    member, endpoint = subscribed(push_service, "plenty@example.com")
    alert = seat_alert_create(member=member, space=space, hours=1)
    assert alert.want == "plenty"  # △ now: told when it shows ○
    other = f.member("third@example.com")
    third = stay_check_in(member=other, code=f.code_for(space), minutes=120)  # × now
    stay_checkout(member=other, stay_id=third.pk, unlock=False)  # △ again: not yet
    tick()
    assert push_service.received == []
    stay_checkout(member=sitters[0], stay_id=stays[0].pk, unlock=False)  # ○
    tick()
    tick()
    [message] = [r.message for r in push_service.for_token(endpoint)]
    assert message["body"] == "Gotanda Loft / Open は現在 ○ です。"
