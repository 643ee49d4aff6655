"""CSRF on every form and every session-authenticated write; pages that CSP can enforce.

These walk the URL configuration and the templates, so pages added later are covered too.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories as f
from tests.security.helpers import send

pytestmark = pytest.mark.django_db
TEMPLATES = sorted((Path(settings.BASE_DIR) / "officepass").rglob("templates/**/*.html"))


def _patterns(resolvers: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _is_api(route: str) -> bool:
    # django-ninja exempts its views from Django's middleware and checks CSRF itself for
    # cookie sessions (officepass.api.auth.Session): tested over HTTP below.
    return route.startswith("api/")


def test_no_page_view_is_exempt_from_csrf() -> None:
    exempt = [
        route
        for route, callback in _patterns(get_resolver().url_patterns)
        if not _is_api(route) and getattr(callback, "csrf_exempt", False)
    ]
    assert exempt == []


@pytest.mark.parametrize("path", ["/admin/login/", "/c/some-code", "/admin/logout/"])
def test_a_form_post_without_the_csrf_token_is_refused(path: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/admin/login/")  # the CSRF cookie alone is not enough: the form must carry it
    response = client.post(path, {"username": "a@x.jp", "password": "p"})
    assert response.status_code == 403
    assert b"CSRF" in response.content


def test_a_form_post_with_the_token_gets_through(client: Client) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/admin/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/admin/login/", {"username": "a", "password": "b", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200  # the form again, with its error: not a CSRF refusal


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/stays", {"code": "x", "minutes": 120}),
        ("POST", "/api/v1/trouble-reports", {"office_id": 1, "kind": "other", "message": "m"}),
        ("DELETE", "/api/v1/auth/token", None),
    ],
)
def test_a_session_authenticated_api_write_needs_the_csrf_token(
    method: str, path: str, body: Any
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(f.member("s@x.jp"))
    response = send(client, method, path, body)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_a_bearer_token_api_write_needs_no_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    token = send(
        client,
        "POST",
        "/api/v1/auth/token",
        {"email": f.member("b@x.jp").email, "password": f.PASSWORD},
    ).json()["token"]
    response = send(
        client,
        "POST",
        "/api/v1/stays",
        {"code": "x", "minutes": 120},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json()["code"] == "invalid_code"  # reached the service: not refused by CSRF


FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.S | re.I)
POST = re.compile(r"method\s*=\s*[\"']?post", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_every_post_form_carries_the_csrf_token_and_the_page_obeys_the_csp(template: Path) -> None:
    text = template.read_text()
    for match in FORM.finditer(text):
        if POST.search(match.group(0).split(">", 1)[0]):
            assert "{% csrf_token %}" in match.group(1), f"{template}: POST form without csrf_token"
    # CSP: script-src 'self' and style-src 'self' without 'unsafe-inline'
    for tag in re.findall(r"<script\b[^>]*>", text, re.I):
        assert "src=" in tag or "application/json" in tag, f"{template}: inline script {tag}"
    assert not re.search(r"\son[a-z]+\s*=", text), f"{template}: on*= handler attribute"
    assert not re.search(r"\sstyle\s*=", text), f"{template}: style= attribute"
    assert "<style" not in text.lower(), f"{template}: <style> block"
