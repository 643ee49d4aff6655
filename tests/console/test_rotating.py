"""Rotating door display: a code is good in its own 30-s window and the next one only."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.errors import DomainError
from officepass.offices.codes import make_code, make_rotating_code, window_now
from officepass.offices.selectors import space_for_code

START = datetime(2026, 11, 2, 3, 0, 0, tzinfo=UTC)  # a window boundary (divisible by 30 s)


def refused(code: str) -> str:
    with pytest.raises(DomainError) as error:
        space_for_code(code)
    return error.value.code


@pytest.fixture
def rotating(world):
    world.space.rotating_display = True
    world.space.save(update_fields=["rotating_display"])
    return world.space


def test_a_shown_code_works_in_its_window_and_the_next_then_never(rotating):
    with time_machine.travel(START, tick=False) as clock:
        code = make_rotating_code(rotating.pk, rotating.code_version)
        assert space_for_code(code) == rotating
        clock.shift(timedelta(seconds=59))
        assert space_for_code(code) == rotating
        clock.shift(timedelta(seconds=1))
        assert refused(code) == "code_expired"  # genuine but old: "scan again"
        clock.shift(timedelta(days=3))
        assert refused(code) == "code_expired"


def test_a_code_from_the_future_is_refused(rotating):
    with time_machine.travel(START, tick=False):
        future = make_rotating_code(rotating.pk, rotating.code_version, window_now() + 1)
        assert refused(future) == "invalid_code"


def test_a_rotating_space_refuses_the_printed_code(rotating):
    assert refused(make_code(rotating.pk, rotating.code_version)) == "invalid_code"


def test_a_printed_space_still_accepts_its_poster(world):
    assert space_for_code(make_code(world.space.pk, 1)) == world.space


def test_the_display_serves_a_fresh_svg_to_its_staff_only(client, rotating, world):
    client.force_login(world.staff)
    page = client.get(f"/console/spaces/{rotating.pk}/display/")
    assert page.status_code == 200
    assert b"<svg" in page.content and b"<script>" not in page.content
    svg = client.get(f"/console/spaces/{rotating.pk}/display.svg")
    assert svg["Content-Type"] == "image/svg+xml" and svg["Cache-Control"] == "no-store"
    assert b'xmlns="http://www.w3.org/2000/svg"' in svg.content
    client.force_login(world.other_staff)
    assert client.get(f"/console/spaces/{rotating.pk}/display.svg").status_code == 404


@pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("zbarimg")),
    reason="needs Debian's chromium and zbar-tools (scripts/system-deps.sh)",
)
def test_the_code_on_the_display_scans_and_dies_after_its_windows(
    client, rotating, world, tmp_path
):
    client.force_login(world.staff)
    svg = tmp_path / "code.svg"
    with time_machine.travel(START, tick=False) as clock:
        svg.write_bytes(client.get(f"/console/spaces/{rotating.pk}/display.svg").content)
        png = tmp_path / "code.png"
        chromium, zbarimg = shutil.which("chromium"), shutil.which("zbarimg")
        assert chromium and zbarimg
        subprocess.run(  # noqa: S603 (Debian's binaries, fixed arguments)
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--window-size=400,400",
                f"--screenshot={png}",
                svg.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        done = subprocess.run(  # noqa: S603
            [zbarimg, "--raw", "-q", png], capture_output=True, text=True, check=True
        )
        code = done.stdout.strip().rsplit("/c/", 1)[1]
        assert space_for_code(code) == rotating
        clock.shift(timedelta(seconds=60))
        assert refused(code) == "code_expired"
