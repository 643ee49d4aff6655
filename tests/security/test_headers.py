"""Security headers on pages and API answers; CSP as the web pages are written for."""

import pytest
from django.test import Client
from django.utils import translation

from officepass.core.errors import ERRORS
from officepass.core.security import content_security_policy, tile_origin

pytestmark = pytest.mark.django_db
PATHS = ["/api/v1/offices", "/c/not-a-code", "/admin/login/", "/api/v1/me"]


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(client: Client, path: str, settings) -> None:
    settings.MAP_TILE_URL = ""  # no map tiles: images from this site only
    response = client.get(path)
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in v for values in csp.values() for v in values)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Permissions-Policy"]
    assert "camera=(self)" in policy and "geolocation=(self)" in policy
    assert "microphone=()" in policy
    assert "Strict-Transport-Security" not in response  # plain http here


def test_hsts_is_sent_on_https_when_configured(client: Client, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/api/v1/offices", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_the_map_tile_host_is_allowed_for_images_only(client: Client, settings) -> None:
    settings.MAP_TILE_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    csp = _directives(client.get("/c/x")["Content-Security-Policy"])
    assert csp["img-src"] == ["'self'", "data:", "blob:", "https://*.tile.example.org"]
    assert csp["connect-src"] == ["'self'"] and csp["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.basemaps.example.com/{z}/{x}/{y}.png", "https://*.basemaps.example.com"),
        ("http://127.0.0.1:8301/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8301"),
        ("/static/tiles/{z}/{x}/{y}.png", None),
        ("javascript:alert(1)", None),
        ("https://{x}.evil/{z}", None),
        ("", None),
        (None, None),
    ],
)
def test_tile_origin(url: str | None, origin: str | None) -> None:
    assert tile_origin(url) == origin


def test_without_a_tile_url_the_policy_names_no_other_host(settings) -> None:
    if hasattr(settings, "MAP_TILE_URL"):
        del settings.MAP_TILE_URL
    policy = content_security_policy()
    # Only the payment provider's card pages, and only as where a form may lead.
    others = [d for d in policy.split("; ") if "http" in d]
    assert others == ["form-action 'self' https://checkout.stripe.com https://billing.stripe.com"]


@pytest.mark.parametrize("code", ["csrf_failed", "service_unavailable"])
def test_the_new_error_codes_speak_japanese_and_english(code: str) -> None:
    with translation.override("ja"):
        ja = str(ERRORS[code][1])
    with translation.override("en"):
        en = str(ERRORS[code][1])
    assert ja != en and any("\u3040" <= ch <= "\u30ff" for ch in ja), ja
