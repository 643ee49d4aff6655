"""Security headers on every response: Content-Security-Policy and Permissions-Policy.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy,
Cross-Origin-Opener-Policy and (on HTTPS, when configured) Strict-Transport-Security;
XFrameOptionsMiddleware sends X-Frame-Options. This adds what Django 5.2 lacks.

The policy allows no inline script or style and no third-party origin except the map tile
host (settings.MAP_TILE_URL, when a map is configured): pages pass data to scripts through
data-* attributes or `json_script`, and style through CSS classes.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"


def tile_origin(url: str | None) -> str | None:
    """`https://tile.example.org` from a tile URL template such as
    `https://tile.example.org/{z}/{x}/{y}.png`; None when there is no usable host.
    A `{s}` subdomain placeholder becomes a `*.` wildcard."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    if host.startswith("{s}."):
        host = "*." + host[len("{s}.") :]
    if "{" in host or "}" in host:
        return None
    return f"{parts.scheme}://{host}"


def payment_page_origins() -> list[str]:
    """Where a form may lead besides ourselves: the payment provider's hosted card page and
    card portal (Checkout is reached by a POST answered with a redirect, which form-action
    governs), and the API base a test or staging points Stripe's SDK at."""
    origins = list(getattr(settings, "PAYMENT_PAGE_ORIGINS", []))
    base = getattr(settings, "STRIPE_API_BASE", "")
    if base and (parts := urlsplit(base)).scheme in ("http", "https") and parts.netloc:
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def content_security_policy() -> str:
    images = ["'self'", "data:", "blob:"]
    if origin := tile_origin(getattr(settings, "MAP_TILE_URL", None)):
        images.append(origin)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", *payment_page_origins()],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
