"""Schemathesis against /api/v1/openapi.json, in-process, as an authenticated member.

Every documented operation (except the endless SSE stream) is fuzzed with positive and
negative data: each response must not be a 5xx, must use a documented status code and
content type, must match its declared schema, and every 4xx must be our `{code, message}`.
Generated path ids, check-in codes and minutes are mixed with real ones from the fixture
data, so the interesting paths (check-in, unlock, extend, checkout) are reached too.

The bugs it found (a plain-text 405, undocumented 400/429 answers, 500s on an infinite
latitude and on a beyond-64-bit id) are fixed; the regression tests at the end keep them so.

Run: .venv/bin/pytest tests/fuzz -v   (-v adds a per-operation, per-status count of cases)
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from officepass.accounts.models import User
from officepass.accounts.services import token_create_for_login
from officepass.core import clock
from officepass.core.models import AuditEntry, IdempotencyRecord
from officepass.locks.models import LockCommand
from officepass.stays import services
from officepass.stays.models import Stay
from officepass.support.models import TroubleReport
from officepass.tickets.models import LedgerEntry
from tests import factories as f

STREAM = "/api/v1/availability/stream"
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def _load_schema() -> Any:
    """GET /api/v1/openapi.json through the WSGI app, without Django's per-request
    close_old_connections (which would touch the DB pytest-django blocks here)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = _load_schema().exclude(path=STREAM)


@dataclass
class World:
    """Real ids the generated data is mixed with; filled by the `world` fixture per test."""

    member: User | None = None
    token: str = ""
    codes: list[str] = field(default_factory=list)
    office_ids: list[int] = field(default_factory=list)
    space_ids: list[int] = field(default_factory=list)
    stay_ids: list[int] = field(default_factory=list)

    def ids_for(self, name: str) -> list[Any]:
        real: dict[str, list[Any]] = {
            "office_id": self.office_ids,
            "space_id": self.space_ids,
            "stay_id": self.stay_ids,
            "code": self.codes,
        }
        return real.get(name, [])


WORLD = World()


# --- generation hooks: a real value about 2/3 of the time, the generated one otherwise ------


def _mixed(value: Any, real: list[Any]) -> st.SearchStrategy[Any]:
    if not real:
        return st.just(value)
    return st.one_of(st.just(value), st.sampled_from(real), st.sampled_from(real))


def _label(context: Any) -> str:
    operation = context.operation
    return f"{operation.method.upper()} {operation.path}" if operation is not None else ""


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
    if not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: _mixed(value, WORLD.ids_for(name))
            if isinstance(value, int | str)
            else st.just(value)
            for name, value in path_parameters.items()
        }
    )


@schema.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    if not isinstance(query, dict) or "office_id" not in query:
        return st.just(query)
    parts = {name: st.just(value) for name, value in query.items()}
    parts["office_id"] = _mixed(query["office_id"], [[i] for i in WORLD.office_ids])
    return st.fixed_dictionaries(parts)


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict):
        return st.just(body)
    parts: dict[str, st.SearchStrategy[Any]] = {k: st.just(v) for k, v in body.items()}
    if isinstance(body.get("code"), str):
        parts["code"] = _mixed(body["code"], WORLD.codes)
    if isinstance(body.get("minutes"), int):
        parts["minutes"] = _mixed(body["minutes"], [120, 240])
    if isinstance(body.get("office_id"), int):
        parts["office_id"] = _mixed(body["office_id"], WORLD.office_ids)
    if isinstance(body.get("stay_id"), int):
        parts["stay_id"] = _mixed(body["stay_id"], WORLD.stay_ids)
    return st.fixed_dictionaries(parts)


# --- checks ---------------------------------------------------------------------------------


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _documents(case: Any, status: int) -> bool:
    responses = case.operation.definition.raw.get("responses", {})
    return str(status) in responses or f"{str(status)[0]}XX" in responses


def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx body is `{"code": <snake_case>, "message": <non-empty>}` (docs/api.md)."""
    if not 400 <= response.status_code < 500:
        return None
    body = _json(response)
    assert body is not None, (
        f"{response.status_code} body is not JSON"
        f" ({response.headers.get('content-type')}): {response.text[:300]!r}"
    )
    assert isinstance(body, dict), f"4xx body is not an object: {body!r}"
    code, message = body.get("code"), body.get("message")
    assert isinstance(code, str) and SNAKE.match(code), f"4xx without a snake_case code: {body!r}"
    assert isinstance(message, str) and message, f"4xx without a message: {body!r}"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    error_shape,
]


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def in_process_db() -> Iterator[None]:
    """Let Django's WSGI handler run inside the test transaction, as django.test.Client does:
    its request_started/finished signals would otherwise close the connection mid-test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(request: pytest.FixtureRequest, db: None, in_process_db: None) -> Iterator[World]:
    """A member with 50 tickets and a token, two offices with four spaces (one full), a
    finished stay and an active one whose extension window is open — except for the
    POST /stays test, where the member is not checked in, so a check-in can succeed."""
    member = f.member("fuzz@example.com", tickets=50)
    hibiya = f.office("Fuzz Hibiya", unit_minutes=120)
    open_space = f.space(hibiya, name="Open", quota=5)
    room = f.space(hibiya, name="Room", seat_type="private_room", quota=1)
    booth = f.space(hibiya, name="Booth", seat_type="booth", quota=0)
    other = f.office("Fuzz Yokohama", lat=35.4658, lng=139.6223)
    box = f.space(other, name="Box", seat_type="box", quota=2)
    done = services.stay_check_in(member=member, code=f.code_for(box), minutes=120)
    services.stay_checkout(member=member, stay_id=done.pk)
    stay_ids = [done.pk]
    if not request.node.name.endswith("[POST /api/v1/stays]"):
        active = services.stay_check_in(member=member, code=f.code_for(open_space), minutes=120)
        opens = clock.now() - timedelta(minutes=1)
        Stay.objects.filter(pk=active.pk).update(extension_opens_at=opens)
        stay_ids += [active.pk, active.pk]  # drawn twice as often as the finished one
    raw, _token = token_create_for_login(email=member.email, password=f.PASSWORD)
    WORLD.__init__(  # type: ignore[misc]
        member=member,
        token=raw,
        codes=[f.code_for(s) for s in (open_space, open_space, room, booth, box)],
        office_ids=[hibiya.pk, other.pk],
        space_ids=[open_space.pk, room.pk, booth.pk, box.pk],
        stay_ids=stay_ids,
    )
    yield WORLD
    WORLD.__init__()  # type: ignore[misc]


# --- the fuzz test --------------------------------------------------------------------------

# (operation, status) -> number of cases; printed by tests/fuzz/conftest.py with -v.
STATS: dict[tuple[str, int], int] = {}


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
def test_every_operation_as_a_member(case: schemathesis.Case, world: World) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {world.token}"}, checks=CHECKS
    )
    key = (f"{case.method} {case.path}", response.status_code)
    STATS[key] = STATS.get(key, 0) + 1


# --- Idempotency-Key: a retry replays the first answer and has no second effect -------------


def _effects(member: User) -> dict[str, Any]:
    return {
        "stays": list(Stay.objects.filter(member=member).values_list("id", "status", "deadline")),
        "ledger": LedgerEntry.objects.filter(member=member).count(),
        "locks": LockCommand.objects.count(),
        "reports": TroubleReport.objects.count(),
        "audit": AuditEntry.objects.count(),
        "keys": IdempotencyRecord.objects.count(),
    }


def _send(client: Client, method: str, path: str, body: Any, key: str, token: str) -> Any:
    data = json.dumps(body) if body is not None else ""
    return client.generic(
        method,
        path,
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_each_state_changing_endpoint_replays_a_retry_with_the_same_key(world: World) -> None:
    client = Client()
    assert world.member is not None
    active, done = world.stay_ids[1], world.stay_ids[0]
    code = world.codes[0]

    def new_stay() -> str:
        return f"/api/v1/stays/{Stay.objects.filter(member=world.member).latest('id').pk}"

    steps: list[tuple[str, Any, Any, set[int]]] = [
        ("POST", f"/api/v1/stays/{active}/unlock", None, {200}),
        ("POST", f"/api/v1/stays/{active}/extend", {"minutes": 120}, {200}),
        ("POST", f"/api/v1/stays/{active}/checkout", {"unlock": True}, {200}),
        ("POST", "/api/v1/stays", {"code": code, "minutes": 120}, {201}),
        ("POST", lambda: f"{new_stay()}/recover", None, {200, 409}),
        ("POST", f"/api/v1/stays/{done}/unlock", None, {409}),  # a refusal replays too
        (
            "POST",
            "/api/v1/trouble-reports",
            {"office_id": world.office_ids[0], "kind": "other", "message": "door squeaks"},
            {201},
        ),
        ("PUT", f"/api/v1/spaces/{world.space_ids[0]}/lock", {"driver": "simulator"}, {200, 404}),
    ]
    for number, (method, path_or_fn, body, expected) in enumerate(steps):
        path = path_or_fn() if callable(path_or_fn) else path_or_fn
        key = f"fuzz-key-{number}"
        first = _send(client, method, path, body, key, world.token)
        assert first.status_code in expected, (method, path, first.status_code, first.content)
        before = _effects(world.member)
        again = _send(client, method, path, body, key, world.token)
        where = f"{method} {path}"
        assert again.status_code == first.status_code, where
        assert again.json() == first.json(), where
        assert again.headers.get("Idempotent-Replayed") == "true", where
        assert _effects(world.member) == before, f"{where}: the retry had a second effect"
        if body is not None:
            other = {**body, "fuzz": "another body"}
            reused = _send(client, method, path, other, key, world.token)
            assert reused.status_code == 409, where
            assert reused.json()["code"] == "idempotency_key_reused", where


# --- regressions: bugs this fuzzing found (405 shape, undocumented 400/429, 500s) -----------


@pytest.fixture
def member_client(world: World) -> Client:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.token}", raise_request_exception=False)
    return client


def test_bug_405_an_unsupported_method_is_a_json_error(member_client: Client) -> None:
    response = member_client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) >= {"code", "message"}


def test_bug_400_every_operation_with_input_documents_400() -> None:
    missing = []
    for path, operations in schema.raw_schema["paths"].items():
        for method, operation in operations.items():
            has_input = operation.get("parameters") or operation.get("requestBody")
            if path != STREAM and has_input and "400" not in operation["responses"]:
                missing.append(f"{method.upper()} {path}")
    assert missing == []


def test_bug_429_the_unlock_rate_limit_is_documented(member_client: Client, world: World) -> None:
    active = world.stay_ids[1]
    statuses = {member_client.post(f"/api/v1/stays/{active}/unlock").status_code for _ in range(8)}
    assert 429 in statuses
    responses = schema.raw_schema["paths"]["/api/v1/stays/{stay_id}/unlock"]["post"]["responses"]
    assert "429" in responses


def test_bug_500a_a_huge_office_id_is_not_a_server_error(member_client: Client) -> None:
    response = member_client.get(f"/api/v1/availability?office_id={2**70}")
    assert response.status_code in (200, 400), response.status_code


def test_bug_500b_an_infinite_latitude_is_not_a_server_error(member_client: Client) -> None:
    response = member_client.get("/api/v1/offices?lat=inf&lng=0")
    assert response.status_code == 400, response.status_code
