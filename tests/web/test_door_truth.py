"""Issue 13 "truth at the door" through the test client: closed offices, closing time."""

from datetime import UTC, datetime

import pytest
import time_machine

from officepass.offices import hours
from tests import factories as f

pytestmark = pytest.mark.django_db
NIGHT_CLOSED = {d: ["08:00", "22:00"] for d in hours.DAYS}
AT_0431_TOKYO = datetime(2026, 11, 23, 19, 31, tzinfo=UTC)
AT_2101_TOKYO = datetime(2026, 11, 24, 12, 1, tzinfo=UTC)


@pytest.fixture
def member(client):
    user = f.member("door@example.com", tickets=10)
    client.force_login(user)
    return user


@pytest.fixture
def shinjuku():
    office = f.office("H1T 新宿", lat=35.690, lng=139.700, opening_hours=NIGHT_CLOSED)
    return f.space(office, name="オープン席")


@pytest.fixture
def ryogoku():
    return f.space(f.office("H1T 両国", lat=35.696, lng=139.793), name="BOX席")


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


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
    assert 'data-code="office_closed"' in html and "空席あり 2" not in html
    assert "08:00から再開します" in html and "H1T 両国" in html
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
