"""Issue 18: GET /api/v1/offices/nearby, the light nearest list — the same offices, in the same
order, as the full list's nearby search, with only what a map or a "where now" list shows, in
a fixed number of statements however many offices there are."""

import random
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from officepass.api import schemas
from officepass.api.v1 import api
from officepass.core import clock
from officepass.offices import hours, nearby
from officepass.offices.models import Office
from officepass.offices.selectors import SEARCH_RINGS_M, distance_m, within
from tests import factories as f

pytestmark = pytest.mark.django_db
# 04:31 in Tokyo on Tuesday 24 November 2026: offices open 08:00–22:00 are closed.
AT_0431_TOKYO = datetime(2026, 11, 23, 19, 31, tzinfo=UTC)
DAYTIME = {d: ["08:00", "22:00"] for d in hours.DAYS}


@pytest.fixture(autouse=True)
def no_remembered_ring(monkeypatch):
    """Each test starts with no ring remembered from an earlier search."""
    monkeypatch.setattr(nearby, "_LAST_RING", {})


def grid(n: int) -> list:
    """n offices on a grid north-east of Shinjuku, every seventh closed at night, each with an
    open space (quota 2) and a booth (quota 1)."""
    made = []
    for i in range(n):
        office = f.office(
            f"Grid {i:03d}",
            lat=35.69 + (i % 10) * 0.01,
            lng=139.70 + (i // 10) * 0.01,
            opening_hours=DAYTIME if i % 7 == 3 else hours.always_open(),
        )
        f.space(office, name="Open", seat_type="open", quota=2)
        f.space(office, name="Booth", seat_type="booth", quota=1)
        made.append(office)
    return made


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_it_lists_what_the_full_list_lists_nearest_first_with_each_spaces_availability(client):
    offices = grid(40)
    booth = offices[0].spaces.get(seat_type="booth")
    booth.in_use = 1
    booth.save(update_fields=["in_use"])
    query = "lat=35.69&lng=139.70&limit=12"
    light = client.get(f"/api/v1/offices/nearby?{query}")
    full = client.get(f"/api/v1/offices?{query}")
    assert light.status_code == 200 and full.status_code == 200
    items = light.json()["items"]
    assert [o["id"] for o in items] == [o["id"] for o in full.json()["items"]]
    assert len(items) == 12
    assert all(o["name"] != "Grid 003" for o in items)  # closed at 04:31: never offered
    distances = [o["distance_m"] for o in items]
    assert distances == sorted(distances) and distances[0] == 0.0
    first = items[0]
    assert set(first) == {"id", "name", "lat", "lng", "distance_m", "closes_at", "spaces"}
    assert first["name"] == "Grid 000" and (first["lat"], first["lng"]) == (35.69, 139.70)
    assert first["spaces"] == [
        {"id": first["spaces"][0]["id"], "seat_type": "open", "remaining": 2, "symbol": "○"},
        {"id": booth.pk, "seat_type": "booth", "remaining": 0, "symbol": "×"},
    ]


# 10:00 in Tokyo: the daytime offices are open until 22:00, the others round the clock.
@time_machine.travel(datetime(2026, 11, 24, 1, 0, tzinfo=UTC), tick=False)
def test_the_answer_is_byte_for_byte_what_ninja_renders_from_the_validated_schema(client):
    """The view renders its list without ninja's validation pass: the bytes must be those of
    the validated answer (names in Japanese, two closing times, fractional distances)."""
    grid(20)
    f.space(f.office("渋谷オフィス", lat=35.6581, lng=139.7017), name="個室", seat_type="booth")
    answer = client.get("/api/v1/offices/nearby?lat=35.6812&lng=139.7671&limit=30")
    items = nearby.offices_nearby(
        lat=35.6812, lng=139.7671, seat_type=None, available=None, limit=30, at=clock.now()
    )
    assert len(items) == 21 and len({item["closes_at"] for item in items}) == 2
    validated = schemas.NearbyList.model_validate({"items": items}).model_dump()
    expected = api.renderer.render(None, validated, response_status=200)
    assert answer.status_code == 200
    assert answer["Content-Type"] == api.get_content_type()
    assert answer.content == expected.encode()
    assert "\\u6e0b" in expected  # 渋, as ninja writes it


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_seat_type_and_available_filter_as_the_full_list_does(client):
    offices = grid(20)
    for office in offices[:5]:
        office.spaces.filter(seat_type="booth").update(in_use=1)
    for query in ("seat_type=booth&available=true", "seat_type=open", "available=true"):
        url = f"lat=35.69&lng=139.70&limit=8&{query}"
        light = client.get(f"/api/v1/offices/nearby?{url}").json()["items"]
        full = client.get(f"/api/v1/offices?{url}").json()["items"]
        assert [o["id"] for o in light] == [o["id"] for o in full], query
    free_booths = client.get("/api/v1/offices/nearby?lat=35.69&lng=139.70&seat_type=booth"
                             "&available=true&limit=50").json()["items"]  # fmt: skip
    assert {o["id"] for o in free_booths}.isdisjoint({o.pk for o in offices[:5]})


@time_machine.travel(AT_0431_TOKYO, tick=False)
def test_it_reads_only_what_it_returns_in_statements_that_do_not_grow_with_the_network(client):
    grid(30)
    url = "/api/v1/offices/nearby?lat=35.69&lng=139.70&limit=5"
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(url).json()["items"]) == 5
    far = f.office("Far away", lat=43.06, lng=141.35)  # Sapporo: outside every small ring
    for i in range(150):
        f.space(f.office(f"Sapporo {i}", lat=43.0 + i * 1e-4, lng=141.3, operator=far.operator))
    nearby._LAST_RING.clear()  # the same search as the first, from the same start
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(url).json()["items"]) == 5
    statements = [q["sql"] for q in large]
    assert len(statements) == len(small) <= len(SEARCH_RINGS_M) + 2, statements
    with CaptureQueriesContext(connection) as again:  # from the ring that sufficed, less
        assert len(client.get(url).json()["items"]) == 5
    assert len(again) <= len(large)
    assert not any(word in sql for sql in statements for word in ("address", "help_desk", "rules"))


@pytest.mark.parametrize(
    "query",
    ["", "lat=35.69", "lat=91&lng=139.7", "lat=35.69&lng=abc", "lat=nan&lng=139.7",
     "lat=35.69&lng=139.7&seat_type=sofa", "lat=35.69&lng=139.7&limit=x"],
)  # fmt: skip
def test_bad_coordinates_and_filters_are_a_stable_400(client, query):
    response = client.get(f"/api/v1/offices/nearby?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_within_measures_exactly_as_distance_m_and_orders_ties_by_id():
    """Issue 18's faster loop gives the same floats as `distance_m`, not just close ones: the
    light list and the full list must agree on order."""
    rng = random.Random(18)
    for _ in range(50):
        lat, lng = rng.uniform(24, 46), rng.uniform(122, 154)
        points = [(i, lat + rng.uniform(-1, 1), lng + rng.uniform(-1, 1)) for i in range(200)]
        points += [(500, points[0][1], points[0][2])]  # a tie with id 0
        expected = sorted(
            ((pk, distance_m(lat, lng, p_lat, p_lng)) for pk, p_lat, p_lng in points),
            key=lambda item: (item[1], item[0]),
        )
        assert within(lat, lng, points, radius=None) == expected
        radius = rng.uniform(1_000, 100_000)
        assert within(lat, lng, points, radius=radius) == [e for e in expected if e[1] <= radius]


def test_on_postgresql_the_rings_statement_measures_as_within_does_float_for_float(on_postgres):
    """On PostgreSQL the ring's statement measures, orders and cuts the candidates itself: its
    distances must be `within`'s floats exactly (the full list measures in Python), its order
    nearest then lowest id, and ring by ring it must find what reading everything finds."""
    rng = random.Random(18)
    operator = f.office("Origin", lat=35.0, lng=139.0).operator
    for i in range(300):
        lat, lng = rng.uniform(35.0, 36.5), rng.uniform(139.0, 140.8)
        f.office(f"R{i}", lat=lat, lng=lng, operator=operator)
        if i % 50 == 0:  # the same spot twice: a tie, ordered by id
            f.office(f"R{i} twin", lat=lat, lng=lng, operator=operator)
    everything = list(Office.objects.values_list("pk", "lat", "lng"))
    names = dict(Office.objects.values_list("pk", "name"))
    rings_used = set()
    for _ in range(40):
        lat, lng = rng.uniform(34.9, 36.6), rng.uniform(138.9, 140.9)
        wanted = rng.choice([1, 5, 20, 100])
        nearby._LAST_RING.clear()
        ranked = nearby._ranked(lat, lng, seat_type=None, available=False, wanted=wanted)
        rings_used.add(nearby._LAST_RING[wanted])
        assert [(row[0], row[1]) for row in ranked] == within(lat, lng, everything, radius=None)[
            :wanted
        ]
        assert all(row[2] == names[row[0]] for row in ranked)
    assert len(rings_used) >= 3  # small boxes, large ones and (for 100 of 302) everything
