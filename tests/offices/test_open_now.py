"""Issue 13.1: a closed office is never advertised as free (hours module, selectors, API)."""

from datetime import UTC, datetime

import pytest
import time_machine

from officepass.offices import hours
from officepass.offices.selectors import nearby_free, office_search
from tests import factories as f

pytestmark = pytest.mark.django_db
NIGHT_CLOSED = {d: ["08:00", "22:00"] for d in hours.DAYS}
# 04:31 and 12:00 in Tokyo on Tuesday 24 November 2026.
AT_0431_TOKYO = datetime(2026, 11, 23, 19, 31, tzinfo=UTC)
NOON_TOKYO = datetime(2026, 11, 24, 3, tzinfo=UTC)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def shinjuku():
    office = f.office("H1T 新宿", lat=35.690, lng=139.700, opening_hours=NIGHT_CLOSED)
    f.space(office)
    return office


@pytest.fixture
def ryogoku():
    office = f.office("H1T 両国", lat=35.696, lng=139.793)
    f.space(office)
    return office


def test_it_says_closed_until_eight_at_half_past_four():
    state = hours.open_state(NIGHT_CLOSED, [], "Asia/Tokyo", AT_0431_TOKYO)
    assert state.open_now is False and state.closes_at is None
    assert state.opens_at == datetime(2026, 11, 23, 23, tzinfo=UTC)  # 08:00 Tokyo


def test_it_says_open_until_ten_at_noon_and_skips_closed_days_for_the_next_opening():
    state = hours.open_state(NIGHT_CLOSED, [], "Asia/Tokyo", NOON_TOKYO)
    assert state.open_now and state.closes_at == datetime(2026, 11, 24, 13, tzinfo=UTC)
    holiday = hours.next_opening(NIGHT_CLOSED, ["2026-11-25"], "Asia/Tokyo", NOON_TOKYO)
    assert holiday == datetime(2026, 11, 25, 23, tzinfo=UTC)  # Thursday 08:00


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_a_closed_office_is_never_a_nearby_alternative(shinjuku, ryogoku):
    full = f.office("H1T 新宿三丁目", lat=35.691, lng=139.705)
    offered = nearby_free(office=full, seat_type="open")
    assert [o["name"] for o in offered] == ["H1T 両国"]


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_free_now_searches_leave_closed_offices_out(shinjuku, ryogoku):
    found = office_search(lat=35.69, lng=139.70, seat_type=None, available=True, limit=5)
    assert [o.name for o, _ in found] == ["H1T 両国"]
    everyone = office_search(lat=None, lng=None, seat_type=None, available=True, limit=5)
    assert [o.name for o, _ in everyone] == ["H1T 両国"]


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_the_api_says_open_now_and_opens_at_and_nearby_lists_skip_closed_offices(
    client, shinjuku, ryogoku
):
    body = client.get(f"/api/v1/offices/{shinjuku.pk}").json()
    assert body["open_now"] is False
    assert when(body["opens_at"]) == datetime(2026, 11, 23, 23, tzinfo=UTC)
    assert body["closes_at"] is None
    nearby = client.get("/api/v1/offices?lat=35.69&lng=139.70").json()["items"]
    assert [o["name"] for o in nearby] == ["H1T 両国"]
    assert nearby[0]["open_now"] is True
    free = client.get("/api/v1/offices?available=true").json()["items"]
    assert [o["name"] for o in free] == ["H1T 両国"]


@time_machine.travel(NOON_TOKYO, tick=False)
def test_at_noon_the_same_office_is_open_until_ten(client, shinjuku):
    body = client.get(f"/api/v1/offices/{shinjuku.pk}").json()
    assert body["open_now"] is True
    assert when(body["closes_at"]) == datetime(2026, 11, 24, 13, tzinfo=UTC)
    nearby = client.get("/api/v1/offices?lat=35.69&lng=139.70").json()["items"]
    assert [o["name"] for o in nearby] == ["H1T 新宿"]
