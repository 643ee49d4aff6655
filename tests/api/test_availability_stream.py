"""Server-sent events of availability: a check-in or checkout reaches an open stream."""

import json
from datetime import UTC, datetime

import pytest
import time_machine

from officepass.api.streams import events
from officepass.stays.services import stay_check_in, stay_checkout
from tests import factories as f

pytestmark = pytest.mark.django_db


def space_events(chunks: list[str]) -> list[dict]:
    return [json.loads(chunk.split("data: ", 1)[1]) for chunk in chunks if "event: space" in chunk]


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=True)
def test_a_check_in_and_a_checkout_appear_on_the_stream_with_the_guides_symbols():
    space = f.space(quota=2)
    other = f.space(f.office("Elsewhere"))
    member = f.member()
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
    stay_checkout(member=member, stay_id=stay.pk, unlock=False)
    seen = space_events(list(events(0, {space.office_id}, max_seconds=0.1)))
    assert seen == [
        {
            "id": space.pk,
            "office_id": space.office_id,
            "name": "Open",
            "seat_type": "open",
            "quota": 2,
            "in_use": 0,
            "remaining": 2,
            "symbol": "○",
        },
    ]
    assert other.pk not in {e["id"] for e in seen}


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=True)
def test_the_stream_resumes_after_the_last_event_id(client):
    space = f.space(quota=1)
    stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)
    first = list(events(0, set(), max_seconds=0.1))
    last_id = int(next(c for c in first if c.startswith("id: ")).split()[1])
    assert space_events(first)[0]["symbol"] == "×"
    assert space_events(list(events(last_id, set(), max_seconds=0.1))) == []


def test_the_stream_endpoint_answers_with_an_event_stream(client):
    response = client.get("/api/v1/availability/stream")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert next(iter(response.streaming_content)).startswith(b"retry: ")
    response.close()
