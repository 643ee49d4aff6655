"""Issue 13 "truth at the door" through the test client: closed offices, closing time."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from officepass.offices import hours
from officepass.stays.services import stay_check_in
from tests import factories as f
from tests.web.test_pages import page

pytestmark = pytest.mark.django_db
NIGHT_CLOSED = {d: ["08:00", "22:00"] for d in hours.DAYS}
AT_0431_TOKYO = datetime(2026, 11, 23, 19, 31, tzinfo=UTC)
AT_2101_TOKYO = datetime(2026, 11, 24, 12, 1, tzinfo=UTC)
NOON_TOKYO = datetime(2026, 11, 24, 3, tzinfo=UTC)


@pytest.fixture
def member(client):
    return signed_in_member(client, "door@example.com")


def signed_in_member(client, email: str):
    user = f.member(email, tickets=10)
    client.force_login(user)
    return user


@pytest.fixture
def shinjuku():
    office = f.office("H1T 新宿", lat=35.690, lng=139.700, opening_hours=NIGHT_CLOSED)
    return f.space(office, name="オープン席")


@pytest.fixture
def ryogoku():
    return f.space(f.office("H1T 両国", lat=35.696, lng=139.793), name="BOX席")


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_at_half_past_four_home_and_finder_say_closed_until_eight_not_free(
    client, member, shinjuku, ryogoku
):
    for url in ("/?lat=35.69&lng=139.70", "/offices?lat=35.69&lng=139.70"):
        html = page(client, url)
        shinjuku_card = html[html.index("H1T 新宿") : html.index("H1T 両国")]
        assert "閉店中 · 08:00から" in shinjuku_card
        assert "空席あり 2" not in shinjuku_card
        assert "空席あり 2" in html[html.index("H1T 両国") :]
    free = page(client, "/offices?lat=35.69&lng=139.70&free=1")
    assert "H1T 新宿" not in free and "H1T 両国" in free


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_at_half_past_four_the_office_and_check_in_pages_say_closed(
    client, member, shinjuku, ryogoku
):
    html = page(client, f"/offices/{shinjuku.office_id}")
    assert "閉店中 · 08:00から" in html and "空席あり 2" not in html
    html = page(client, f"/c/{f.code_for(shinjuku)}")
    own, nearby = html.split('data-code="office_closed"')
    assert "空席あり 2" not in own  # the open office offered nearby may say it, of itself
    assert "08:00から再開します" in nearby and "H1T 両国" in nearby
    assert 'id="checkin-form"' not in html


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_a_full_office_never_offers_a_closed_one_nearby(client, member, shinjuku, ryogoku):
    full = f.space(f.office("H1T 新宿三丁目", lat=35.691, lng=139.705), quota=1, in_use=1)
    html = page(client, f"/c/{f.code_for(full)}")
    assert 'data-code="space_full"' in html
    nearby = html[html.index('class="cards nearby"') :]
    assert "H1T 両国" in nearby and "H1T 新宿<" not in nearby


@time_machine.travel(AT_2101_TOKYO, tick=False)
def test_at_nine_pm_check_in_explains_closing_and_offers_open_offices(
    client, member, shinjuku, ryogoku
):
    html = page(client, f"/c/{f.code_for(shinjuku)}")
    assert 'data-code="office_closing_soon"' in html
    assert "22:00に閉店します" in html and "08:00から再開します" in html
    assert "H1T 両国" in html


@time_machine.travel(AT_2101_TOKYO, tick=False)
def test_at_nine_pm_the_closing_explanation_is_in_english_too(client, member, shinjuku):
    client.post("/language", {"language": "en"})
    html = page(client, f"/c/{f.code_for(shinjuku)}")
    assert "Closes at 22:00." in html and "Opens again at 08:00." in html
    assert "Check-in has ended for today" in html


def _stay_at(member, space):
    return stay_check_in(member=member, code=f.code_for(space), minutes=120)


@time_machine.travel(NOON_TOKYO, tick=False)
def test_checkout_step_two_waits_for_the_unlock_so_nobody_is_locked_in(client, member, ryogoku):
    stay = _stay_at(member, ryogoku)
    html = page(client, f"/stays/{stay.pk}/checkout")
    assert re.search(r'id="checkout-confirm"\s+disabled', html)
    response = client.post(f"/stays/{stay.pk}/checkout")
    assert response.status_code == 409 and 'data-code="unlock_first"' in response.content.decode()
    stay.refresh_from_db()
    assert stay.status == "active"
    client.post(f"/stays/{stay.pk}/unlock", {"then": "checkout"})
    html = page(client, f"/stays/{stay.pk}/checkout")
    assert not re.search(r'id="checkout-confirm"\s+disabled', html)
    assert "チェックアウト完了" in client.post(f"/stays/{stay.pk}/checkout").content.decode()


@time_machine.travel(NOON_TOKYO, tick=False)
def test_a_member_already_outside_may_check_out_without_unlocking(client, member, ryogoku):
    stay = _stay_at(member, ryogoku)
    assert "すでに外にいます" in page(client, f"/stays/{stay.pk}/checkout")
    html = client.post(f"/stays/{stay.pk}/checkout", {"outside": "1"}).content.decode()
    assert "チェックアウト完了" in html
    stay.refresh_from_db()
    assert stay.status == "checked_out"


@time_machine.travel(NOON_TOKYO, tick=False)
def test_after_the_unlock_rate_limit_the_member_gets_the_help_desk_not_other_offices(
    client, member, ryogoku, shinjuku, settings
):
    settings.UNLOCK_RATE_PER_MINUTE = 1
    stay = _stay_at(member, ryogoku)
    client.post(f"/stays/{stay.pk}/unlock")
    response = client.post(f"/stays/{stay.pk}/unlock")
    html = response.content.decode()
    assert response.status_code == 429 and 'data-code="too_many_attempts"' in html
    assert 'href="tel:03-0000-0000"' in html
    assert "H1T 新宿" not in html and "近くのオフィス" not in html and "近くに" not in html


def test_english_chosen_before_sign_in_survives_sign_in(client):
    user = f.member("visitor@example.com")
    client.post("/language", {"language": "en", "next": "/signin"})
    response = client.post("/signin", {"email": "visitor@example.com", "password": f.PASSWORD})
    assert response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert user.language == "en"
    assert "Tickets left" in page(client, "/")


@time_machine.travel(datetime(2026, 11, 2, 3, 0, 0, tzinfo=UTC), tick=False)
def test_a_display_code_that_expires_during_sign_in_says_scan_again_not_invalid(client):
    from officepass.offices.codes import make_rotating_code

    space = f.space(f.office("H1T 両国"), rotating_display=True)
    f.member("slow@example.com")
    code = make_rotating_code(space.pk, space.code_version)
    signin = client.get(f"/c/{code}")["Location"]
    assert signin.startswith("/signin?next=/c/")
    with time_machine.travel(datetime(2026, 11, 2, 3, 1, 30, tzinfo=UTC), tick=False):
        response = client.post(signin, {"email": "slow@example.com", "password": f.PASSWORD})
        html = page(client, response["Location"], 404)
        api = client.get(f"/api/v1/checkin-codes/{code}")
    assert 'data-code="code_expired"' in html and "もう一度読み取って" in html
    assert api.json()["code"] == "code_expired"
