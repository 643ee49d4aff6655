"""A NUL byte in any field, filter, path segment or header is `invalid_input`, never a 500.

PostgreSQL cannot store NUL in text, so before the input guard a NUL reached the database as
an HTML 500 (`/auth/token`, `/trouble-reports`, lock settings, web sign-in and trouble form,
the console's lock form and filters). These tests walk every API operation of the OpenAPI
document and every form and filter of the member app and the console, put a NUL in each
field in turn, and check the answer and that nothing was stored.
"""

import json
from typing import Any

import pytest
from django.test import Client

from officepass.api.v1 import api
from tests import factories
from tests.console.conftest import World
from tests.input import walk

pytestmark = pytest.mark.django_db

BASES: dict[str, dict[str, Any]] = {
    "TokenIn": {"email": "alpha-employee@example.com", "password": factories.PASSWORD},
    "ExtendIn": {"minutes": 120},
    "CheckoutIn": {"unlock": True},
    "LockConfigIn": {"driver": "simulator", "settings": {"mode": "normal"}},
}


def bearer(client: Client, email: str) -> str:
    body = {"email": email, "password": factories.PASSWORD}
    token = client.post("/api/v1/auth/token", body, content_type="application/json")
    return f"Bearer {token.json()['token']}"


def bodies(schema: dict, base: dict) -> list[dict]:
    """The valid body once per property, that property carrying a NUL (keys too, in dicts)."""
    out = []
    for name in schema.get("properties", {}):
        value = base.get(name, "x")
        if isinstance(value, dict):
            out += [{**base, name: {"mode": "nor\x00mal"}}, {**base, name: {"k\x00": "v"}}]
        else:
            out.append({**base, name: f"{value}\x00"})
    return out


Request = tuple[str, str, dict[str, Any] | None, dict[str, str]]


def api_requests(world: World) -> list[Request]:
    """(method, path, JSON body or None, extra headers) of every NUL request to the API."""
    schema = api.get_openapi_schema()
    ids: dict[str, Any] = {"office_id": world.office.pk, "stay_id": world.stay.pk}
    ids |= {"space_id": world.space.pk, "code": factories.code_for(world.space)}
    bases: dict[str, dict[str, Any]] = dict(BASES)
    bases["StayIn"] = {"code": ids["code"], "minutes": 120}
    bases["TroubleIn"] = {"office_id": world.office.pk, "kind": "other", "message": "x"}
    found: list[Request] = []
    for method, path, operation in walk.api_operations(schema):
        url = walk.fill_path(path, ids)
        params = operation.get("parameters", [])
        for param in (p for p in params if p["in"] == "path"):
            found.append((method, url.replace(str(ids[param["name"]]), "1%00", 1), None, {}))
        for param in (p for p in params if p["in"] == "query"):
            found.append((method, f"{url}?{param['name']}=1%00", None, {}))
        if method in ("POST", "PUT"):
            found.append((method, url, None, {"HTTP_IDEMPOTENCY_KEY": "key\x00"}))
        if (body := walk.body_schema(schema, operation)) is not None:
            base = bases[body["title"]]
            found += [(method, url, b, {}) for b in bodies(body, base)]
    found.append(("POST", f"/api/v1/locks/{world.space.pk}/events", {"event": "x\x00"}, {}))
    return found


def test_every_api_input_with_a_nul_is_invalid_input_and_stores_nothing(world, on_postgres):
    client = Client()
    member = bearer(client, world.employee.email)
    staff = bearer(client, world.staff.email)
    requests = api_requests(world)
    assert len(requests) >= 30
    before = walk.row_counts()
    for method, path, body, headers in requests:
        auth = staff if "/spaces/" in path else member
        data = json.dumps(body) if body is not None else ""
        response = client.generic(
            method, path, data, "application/json", HTTP_AUTHORIZATION=auth, **headers
        )
        assert response.status_code == 400, (method, path, body, response.status_code)
        assert response.json()["code"] == "invalid_input", (method, path)
    assert walk.row_counts() == before


def pages(world: World) -> list[tuple[Client, str]]:
    anonymous, member, secretariat = Client(), Client(), Client()
    member.force_login(world.employee)
    secretariat.force_login(world.secretariat)
    # The password reset link's parts: a wrong pair is the "link expired" page.
    kwargs = {**world.kwargs(), "stay_id": world.stay.pk, "uidb64": "MQ", "token": "x-y"}
    kwargs.update(intent_id=987_654, session_id="cs_test_none")  # a payment page never begun
    code = factories.code_for(world.space)
    web = walk.namespace_urls("web", kwargs)
    web += [f"/trouble?kind=entry_unlock&stay={world.stay.pk}", f"/c/{code}", "/trouble"]
    found = [(anonymous, url) for url in ("/signin", "/console/login/", "/admin/login/")]
    found += [(anonymous, "/password-reset")]
    found += [(member, url) for url in web]
    found += [(secretariat, url) for url in walk.namespace_urls("console", kwargs)]
    return found


def forms(world: World) -> list[tuple[Client, walk.Form]]:
    found = []
    for client, url in pages(world):
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            found += [(client, form) for form in walk.forms_of(url, response.content.decode())]
    return found


def test_every_form_and_filter_with_a_nul_is_refused_and_stores_nothing(world, on_postgres):
    found = forms(world)
    actions = {form.action.split("?")[0] for _, form in found}
    expected = {"/signin", "/trouble", "/offices", "/console/login/", "/console/audit/"}
    expected |= {"/password-reset", "/account/password"}
    expected |= {
        "/console/members/",
        "/console/offices/",
        f"/console/spaces/{world.space.pk}/lock/",
    }
    assert expected <= actions
    before = walk.row_counts()
    submitted = 0
    for client, form in found:
        send = client.post if form.method == "post" else client.get
        variants = [*walk.nul_variants(form.fields), *walk.escaped_nul_variants(form.fields)]
        for data in variants:
            response = send(form.action, data)
            submitted += 1
            assert response.status_code == 400, (form.page, form.action, data)
            assert b'data-code="invalid_input"' in response.content, (form.page, form.action)
    assert submitted >= 40
    assert walk.row_counts() == before
