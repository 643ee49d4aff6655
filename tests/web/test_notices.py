"""The account page (push on/off, kinds, exports), favourites on home, seat alerts, fair use."""

import csv
import io
import json

import pytest

from officepass.core.models import AuditEntry
from officepass.notifications.models import Favourite, PushPreference, PushSubscription, SeatAlert
from officepass.notifications.vapid import generate_pair
from officepass.stays.services import stay_check_in
from officepass.tickets.services import ticket_grant
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = f.member("web@example.com")
    client.force_login(user)
    return user


def test_without_keys_push_is_offered_as_unavailable(client, member):
    page = client.get("/account").content.decode()
    assert 'id="push-unavailable"' in page and "プッシュ通知が設定されていません" in page
    answer = client.post(
        "/account/push",
        data=json.dumps({"endpoint": "https://push.example/x", "keys": {}}),
        content_type="application/json",
    )
    assert answer.status_code == 409 and answer.json()["code"] == "push_unavailable"


def test_a_browser_subscribes_and_unsubscribes(client, member, settings):
    settings.VAPID_PRIVATE_KEY, public = generate_pair()
    page = client.get("/account").content.decode()
    assert f'data-public-key="{public}"' in page
    from tests.notifications.pushservice import PushService

    service = PushService()
    try:
        sub = service.subscribe()
    finally:
        service.close()
    sub["endpoint"] = "https://push.example.net/push/" + sub["endpoint"].rsplit("/", 1)[-1]
    answer = client.post("/account/push", data=json.dumps(sub), content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert PushSubscription.objects.get().member == member
    bad = client.post(
        "/account/push",
        data=json.dumps({"endpoint": "https://push.example/y", "keys": {"p256dh": "x"}}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    insecure = dict(sub, endpoint="http://10.0.0.1/push")
    refused = client.post(
        "/account/push", data=json.dumps(insecure), content_type="application/json"
    )
    assert refused.status_code == 400
    for internal in ("https://127.0.0.1/p", "https://[::1]/p", "https://169.254.169.254/p"):
        inside = dict(sub, endpoint=internal)
        answer = client.post(
            "/account/push", data=json.dumps(inside), content_type="application/json"
        )
        assert answer.status_code == 400, internal
    client.post(
        "/account/push",
        data=json.dumps({"endpoint": sub["endpoint"], "unsubscribe": True}),
        content_type="application/json",
    )
    assert not PushSubscription.objects.exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"push.subscribed", "push.unsubscribed"} <= actions


def test_kinds_turned_off_are_saved(client, member):
    client.post("/account/notifications", {"push": ["extension_open", "deadline_soon"]})
    off = set(PushPreference.objects.filter(push=False).values_list("kind", flat=True))
    assert off == {"forced_out", "staff_ended", "trouble_reply", "seat_free"}
    assert client.post("/account/notifications", {"push": ["nonsense"]}).status_code == 302


def test_a_starred_office_comes_first_on_home_with_hours(client, member):
    office = f.office("Starred Place")
    f.space(office, quota=3)
    client.post(f"/offices/{office.pk}/favourite", {"star": "1"})
    assert Favourite.objects.filter(member=member, office=office).exists()
    page = client.get("/").content.decode()
    assert 'id="favourites"' in page
    assert page.index("Starred Place") < page.index('id="nearest"')
    assert "24時間営業" in page
    client.post(f"/offices/{office.pk}/favourite", {"star": "0"})
    assert not Favourite.objects.exists()


def test_a_full_space_offers_a_seat_alert(client, member):
    space = f.space(f.office("Full House"), quota=1)
    stay_check_in(member=f.member("other@example.com"), code=f.code_for(space), minutes=120)
    page = client.get(f"/offices/{space.office_id}").content.decode()
    assert f'action="/spaces/{space.pk}/alert"' in page
    client.post(f"/spaces/{space.pk}/alert", {"hours": "2"})
    client.post(f"/spaces/{space.pk}/alert", {"hours": "2"})  # the same wish stays one alert
    assert SeatAlert.objects.filter(member=member, space=space).count() == 1
    page = client.get(f"/offices/{space.office_id}").content.decode()
    assert "席が空いたらお知らせします" in page
    assert client.post(f"/spaces/{space.pk}/alert", {"hours": "99"}).status_code == 302


def test_history_exports_are_excel_safe_csv(client, member):
    ticket_grant(actor=None, member=member, tickets=1, reason='=HYPERLINK("http://x")')
    space = f.space(f.office("Naka-Meguro"))
    stay_check_in(member=member, code=f.code_for(space), minutes=120)
    answer = client.get("/account/export/tickets.csv")
    body = answer.content.decode("utf-8")
    assert answer["Content-Type"].startswith("text/csv") and body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "記録" and len(rows) == 4
    assert any(r[-1] == '\'=HYPERLINK("http://x")' for r in rows)
    stays = list(
        csv.reader(io.StringIO(client.get("/account/export/stays.csv").content.decode()[1:]))
    )
    assert stays[1][1] == "Naka-Meguro" and stays[1][8] == "1"


def test_the_check_in_screen_says_fair_use_where_offered(client, member):
    fair = f.space(f.office("Fair", fair_use_refunds=True))
    plain = f.space(f.office("Plain"))
    from officepass.offices.codes import make_code

    fair_page = client.get(f"/c/{make_code(fair.pk, fair.code_version)}", follow=True)
    plain_page = client.get(f"/c/{make_code(plain.pk, plain.code_version)}", follow=True)
    assert "data-fair-use" in fair_page.content.decode()
    assert "data-fair-use" not in plain_page.content.decode()
