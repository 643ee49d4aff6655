"""Office search reads coordinates ring by ring; the answer must equal a full scan."""

import random

import pytest

from officepass.offices.models import Office
from officepass.offices.selectors import distance_m, offices_nearest
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_nearest_offices_are_found_even_beyond_the_first_rings():
    operator = f.office("Origin", lat=35.0, lng=139.0).operator
    for name, lat in [("1 km", 35.009), ("50 km", 35.45), ("200 km", 36.8)]:
        f.office(name, lat=lat, lng=139.0, operator=operator)
    found = offices_nearest(
        lat=35.0, lng=139.0, offices=Office.objects.exclude(name="Origin"), limit=2
    )
    names = [Office.objects.get(pk=pk).name for pk, _ in found]
    assert names == ["1 km", "50 km"]


def test_ring_search_agrees_with_a_full_scan():
    rng = random.Random(7)
    operator = f.office("Seed").operator
    for n in range(300):
        f.office(
            f"o{n}", lat=35 + rng.uniform(-2, 2), lng=139 + rng.uniform(-2, 2), operator=operator
        )
    for _ in range(5):
        lat, lng = 35 + rng.uniform(-1, 1), 139 + rng.uniform(-1, 1)
        full = sorted(
            Office.objects.values_list("pk", "lat", "lng"),
            key=lambda row: distance_m(lat, lng, row[1], row[2]),
        )
        found = offices_nearest(lat=lat, lng=lng, offices=Office.objects.all(), limit=20)
        assert [pk for pk, _ in found] == [row[0] for row in full[:20]]
