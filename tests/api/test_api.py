"""API v1 over HTTP: auth, shapes, localized errors with stable codes, idempotency."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from officepass.accounts.models import ApiToken
from officepass.accounts.services import hash_token
from officepass.stays.models import Stay
from tests import factories as f

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def login(client: Client, email: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token",
        {"email": email, "password": f.PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def post(client: Client, path: str, body: object = None, **headers: Any):
    data = json.dumps(body) if body is not None else ""
    return client.post(path, data, content_type="application/json", **headers)


@pytest.fixture
def member(db):
    return f.member("member@x.jp", tickets=10)


@pytest.fixture
def auth(client, member):
    return login(client, member.email)


def test_a_token_is_stored_hashed_and_identifies_the_member(client, member):
    response = post(client, "/api/v1/auth/token", {"email": "MEMBER@x.jp", "password": f.PASSWORD})
    body = response.json()
    assert body["member"]["email"] == "member@x.jp"
    assert body["member"]["tickets"]["balance"] == 10
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(body["token"]) and body["token"] not in token.key_hash


def test_wrong_password_is_invalid_credentials_and_repeated_failures_are_throttled(client, member):
    for _ in range(10):
        response = post(client, "/api/v1/auth/token", {"email": member.email, "password": "no"})
        assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    response = post(client, "/api/v1/auth/token", {"email": member.email, "password": f.PASSWORD})
    assert response.status_code == 429 and response.json()["code"] == "too_many_attempts"


def test_an_expired_or_missing_token_is_not_authenticated(client, auth):
    assert client.get("/api/v1/me").json()["code"] == "not_authenticated"
    ApiToken.objects.update(expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    response = client.get("/api/v1/me", **auth)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_errors_are_localized_in_japanese_and_english_with_a_stable_code(client, auth):
    ja = client.get("/api/v1/stays/current", HTTP_ACCEPT_LANGUAGE="ja", **auth).json()
    en = client.get("/api/v1/stays/current", HTTP_ACCEPT_LANGUAGE="en", **auth).json()
    assert ja["code"] == en["code"] == "no_active_stay"
    assert en["message"] == "You are not checked in anywhere."
    assert ja["message"] != en["message"]
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in ja["message"])


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        {"code": "x"},
        {"code": "x", "minutes": "two"},
        {"minutes": 120},
        {"code": "x", "minutes": -5},
        [],
        {"code": None, "minutes": 120},
    ],
)
def test_bad_input_is_a_clear_400_never_a_500(client, auth, body):
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post("/api/v1/stays", data, content_type="application/json", **auth)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


@time_machine.travel(MORNING, tick=False)
def test_the_whole_stay_over_http(client, member, auth):
    space = f.space(f.office("Hibiya", unit_minutes=120))
    code = f.code_for(space)
    info = client.get(f"/api/v1/checkin-codes/{code}").json()
    assert info["space"]["id"] == space.pk
    assert {"minutes": 240, "tickets": 2} in info["options"]
    created = post(client, "/api/v1/stays", {"code": code, "minutes": 240}, **auth)
    assert created.status_code == 201
    stay = created.json()
    assert stay["tickets_consumed"] == 2 and stay["status"] == "active"
    assert stay["can_unlock"] is True and stay["can_extend"] is False
    assert client.get("/api/v1/me", **auth).json()["tickets"]["balance"] == 8
    assert client.get("/api/v1/stays/current", **auth).json()["id"] == stay["id"]
    unlocked = post(client, f"/api/v1/stays/{stay['id']}/unlock", **auth)
    assert unlocked.status_code == 200 and unlocked.json()["result"] == "unlocked"
    avail = client.get(f"/api/v1/availability?office_id={space.office_id}").json()["items"]
    assert avail[0]["symbol"] == "△" and avail[0]["remaining"] == 1
    with time_machine.travel(MORNING + timedelta(hours=3, minutes=50), tick=False):
        current = client.get("/api/v1/stays/current", **auth).json()
        assert current["can_extend"] is True
        extended = post(client, f"/api/v1/stays/{stay['id']}/extend", {"minutes": 120}, **auth)
        assert extended.status_code == 200 and extended.json()["tickets_consumed"] == 3
        done = post(client, f"/api/v1/stays/{stay['id']}/checkout", {"unlock": True}, **auth)
        assert done.status_code == 200
        assert (
            done.json()["status"] == "checked_out" and done.json()["unlock"]["result"] == "unlocked"
        )
    avail = client.get(f"/api/v1/availability?office_id={space.office_id}").json()["items"]
    assert avail[0]["symbol"] == "○"
    ledger = client.get("/api/v1/me/tickets", **auth).json()
    assert ledger["balance"] == 7
    consumed = [e["tickets"] for e in ledger["items"] if e["kind"] == "consume"]
    assert sorted(consumed) == [-2, -1]
    assert client.get("/api/v1/stays", **auth).json()["items"][0]["status"] == "checked_out"


@time_machine.travel(MORNING, tick=False)
def test_after_the_deadline_the_stay_reads_as_forced_out_and_unlock_is_refused(client, auth):
    space = f.space()
    stay = post(client, "/api/v1/stays", {"code": f.code_for(space), "minutes": 120}, **auth).json()
    with time_machine.travel(MORNING + timedelta(hours=2), tick=False):
        assert client.get("/api/v1/stays/current", **auth).json()["code"] == "no_active_stay"
        listed = client.get("/api/v1/stays", **auth).json()["items"][0]
        assert listed["status"] == "forced_out" and listed["can_unlock"] is False
        refused = post(client, f"/api/v1/stays/{stay['id']}/unlock", **auth)
        assert refused.status_code == 409 and refused.json()["code"] == "stay_not_active"


@time_machine.travel(MORNING, tick=False)
def test_a_member_cannot_touch_another_members_stay(client, auth):
    other = f.member("other@x.jp")
    other_auth = login(client, other.email)
    space = f.space()
    stay = post(
        client, "/api/v1/stays", {"code": f.code_for(space), "minutes": 120}, **other_auth
    ).json()
    for action, body in [("unlock", None), ("extend", {"minutes": 120}), ("checkout", {})]:
        response = post(client, f"/api/v1/stays/{stay['id']}/{action}", body, **auth)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Stay.objects.get().status == "active"


@time_machine.travel(MORNING, tick=False)
def test_a_retry_with_the_same_idempotency_key_replays_without_a_second_charge(client, auth):
    body = {"code": f.code_for(f.space()), "minutes": 240}
    first = post(client, "/api/v1/stays", body, HTTP_IDEMPOTENCY_KEY="abc", **auth)
    again = post(client, "/api/v1/stays", body, HTTP_IDEMPOTENCY_KEY="abc", **auth)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Stay.objects.count() == 1
    assert client.get("/api/v1/me", **auth).json()["tickets"]["balance"] == 8
    reused = post(
        client, "/api/v1/stays", {**body, "minutes": 120}, HTTP_IDEMPOTENCY_KEY="abc", **auth
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"


@time_machine.travel(MORNING, tick=False)
def test_a_refusal_is_stored_as_the_first_response_too(client, auth):
    space = f.space(quota=0)
    body = {"code": f.code_for(space), "minutes": 120}
    first = post(client, "/api/v1/stays", body, HTTP_IDEMPOTENCY_KEY="full", **auth)
    space.quota = 2
    space.save(update_fields=["quota"])
    again = post(client, "/api/v1/stays", body, HTTP_IDEMPOTENCY_KEY="full", **auth)
    assert first.status_code == again.status_code == 409
    assert again.json()["code"] == "space_full"
    assert not Stay.objects.exists()


def test_offices_are_listed_nearest_first_and_filtered(client):
    far = f.office("Yokohama", lat=35.4658, lng=139.6223)
    near = f.office("Tokyo Station", lat=35.6812, lng=139.7671)
    f.space(far, seat_type="box")
    f.space(near, seat_type="open", quota=1, in_use=1)
    items = client.get("/api/v1/offices?lat=35.68&lng=139.76").json()["items"]
    assert [o["name"] for o in items] == ["Tokyo Station", "Yokohama"]
    assert items[0]["distance_m"] < items[1]["distance_m"]
    assert items[0]["spaces"][0]["symbol"] == "×"
    free = client.get("/api/v1/offices?available=true").json()["items"]
    assert [o["name"] for o in free] == ["Yokohama"]
    boxes = client.get("/api/v1/offices?seat_type=box").json()["items"]
    assert [o["name"] for o in boxes] == ["Yokohama"]
    assert client.get("/api/v1/offices?lat=35").json()["code"] == "invalid_input"


def test_an_office_shows_its_rules_and_an_unknown_one_is_not_found(client):
    office = f.office(rules_allowed=["phone_booth"], rules_forbidden=["locker"])
    body = client.get(f"/api/v1/offices/{office.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["rules"]["allowed"] == [{"key": "phone_booth", "label": "Phone booths"}]
    assert body["rules"]["forbidden"][0]["key"] == "locker"
    assert len(body["opening_hours"]) == 7 and body["opening_hours"][0]["all_day"] is True
    missing = client.get("/api/v1/offices/99999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_an_unknown_check_in_code_is_invalid_code(client):
    response = client.get("/api/v1/checkin-codes/garbage")
    assert response.status_code == 404 and response.json()["code"] == "invalid_code"


@time_machine.travel(MORNING, tick=False)
def test_a_trouble_report_is_filed_and_the_secretariat_is_emailed(
    client, auth, mailoutbox, django_capture_on_commit_callbacks
):
    office = f.office()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            "/api/v1/trouble-reports",
            {"office_id": office.pk, "kind": "entry_unlock", "message": "won't open"},
            **auth,
        )
    assert response.status_code == 201 and response.json()["status"] == "new"
    assert len(mailoutbox) == 1 and "entry_unlock" in mailoutbox[0].subject
    bad = post(
        client,
        "/api/v1/trouble-reports",
        {"office_id": office.pk, "kind": "nope", "message": "x"},
        **auth,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"


def test_the_openapi_document_lists_every_core_path(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/me/tickets",
        "/api/v1/offices",
        "/api/v1/offices/{office_id}",
        "/api/v1/checkin-codes/{code}",
        "/api/v1/stays",
        "/api/v1/stays/current",
        "/api/v1/stays/{stay_id}/unlock",
        "/api/v1/stays/{stay_id}/extend",
        "/api/v1/stays/{stay_id}/checkout",
        "/api/v1/trouble-reports",
        "/api/v1/availability",
        "/api/v1/availability/stream",
    ]:
        assert path in paths, path
