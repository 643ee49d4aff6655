"""The rotating door display: a tablet page whose QR code changes every 30 s."""

import io
from typing import Any

import segno

from officepass.offices.codes import ROTATION_SECONDS, checkin_url, make_rotating_code, window_now
from officepass.offices.models import Space


def rotating_url(space: Space) -> str:
    return checkin_url(make_rotating_code(space.pk, space.code_version, window_now()))


def display_svg(space: Space) -> str:
    """The current window's QR code as an SVG document (the page's script reloads it)."""
    buffer = io.BytesIO()
    segno.make(rotating_url(space), error="m").save(
        buffer, kind="svg", scale=8, border=4, omitsize=True
    )
    return buffer.getvalue().decode()


def display_context(space: Space, *, svg_src: str) -> dict[str, Any]:
    return {
        "space": space,
        "svg_src": svg_src,
        "office": space.office,
        "svg": segno.make(rotating_url(space), error="m").svg_inline(
            scale=8, border=4, omitsize=True
        ),
        "seconds": ROTATION_SECONDS,
    }
