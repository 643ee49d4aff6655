"""`make screenshots`: the main screens at phone size, with the demo data, into docs/screenshots.

Run explicitly (`pytest tests/browser/shots.py`); its name keeps it out of `make test`.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from officepass.accounts.models import User
from officepass.demo.services import load_demo
from officepass.offices.codes import make_code
from officepass.offices.models import Space
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "demo-pass-2026"


def code(space: Space) -> str:
    return make_code(space.pk, space.code_version)


def test_take_screenshots(new_page):
    OUT.mkdir(parents=True, exist_ok=True)
    # 10:00 in Tokyo, so every demo office is open.
    with time_machine.travel(datetime.now(UTC).replace(hour=1, minute=0), tick=True) as clock:
        load_demo()
        ryogoku = Space.objects.get(office__name="H1T 両国", seat_type="open")
        box = Space.objects.get(office__name="H1T 両国", seat_type="box")
        for email in ("member01@example.com", "member02@example.com"):
            stay_check_in(member=User.objects.get(email=email), code=code(box), minutes=120)
        page = new_page()

        def shot(name: str) -> None:
            page.wait_for_timeout(150)
            page.screenshot(path=str(OUT / f"{name}.png"))

        page.goto("/")
        shot("01-signin")
        sign_in(page, "basic@example.com", PASSWORD)
        expect(page.locator("#checkin-button")).to_be_visible()
        shot("02-home")
        page.goto("/offices?q=両国")
        shot("03-find")
        page.goto(f"/offices/{ryogoku.office_id}")
        shot("04-office")
        page.goto(f"/c/{code(box)}")
        shot("05-checkin-full")
        page.goto(f"/c/{code(ryogoku)}")
        page.locator("label.option", has=page.locator("input[value='240']")).click()
        shot("06-checkin")
        page.click("#checkin-form button[type=submit]")
        expect(page.locator("#stay-office")).to_be_visible()
        shot("07-stay")
        page.click("#unlock-button")
        expect(page.locator("#unlock-dialog")).to_be_visible()
        page.screenshot(path=str(OUT / "08-unlock-popup.png"))
        page.click("#unlock-confirm")
        stay = Stay.objects.get(member__email="basic@example.com", status="active")
        clock.move_to(stay.deadline - timedelta(minutes=10))
        page.reload()
        expect(page.locator("#extend-form")).to_be_visible()
        shot("09-extend")
        page.click("#checkout-button")
        shot("10-checkout")
        page.click("#unlock-button")
        page.click("#unlock-confirm")
        page.click("#checkout-confirm")
        expect(page.locator("#checkout-done")).to_be_visible()
        shot("11-checkout-done")
        page.goto(f"/trouble?kind=exit_unlock&stay={stay.pk}")
        shot("12-trouble-exit")
        page.goto("/tickets")
        shot("13-tickets")
        page.click("form.lang button")
        page.goto("/")
        shot("14-home-english")
        page.click("form.lang button")  # back to Japanese
        page.goto("/account")
        shot("15-account")
        page.goto("/history")
        shot("16-history")
        # Near closing: 21:01 in Tokyo, H1T 新宿 closes at 22:00 (less than one unit left).
        today = datetime.now(UTC).date()
        shinjuku = Space.objects.filter(office__name="H1T 新宿", is_active=True).first()
        assert shinjuku is not None
        clock.move_to(datetime(today.year, today.month, today.day, 12, 1, tzinfo=UTC))
        page.goto(f"/c/{code(shinjuku)}")
        shot("17-near-closing")
        # Night: 04:31 in Tokyo, H1T 新宿 is closed until 08:00.
        clock.move_to(datetime(today.year, today.month, today.day, 19, 31, tzinfo=UTC))
        page.goto("/offices?q=新宿")
        shot("18-night")
        # Offline: the stay screen from the phone's cache; 開錠 names the help desk.
        stay = stay_check_in(
            member=User.objects.get(email="basic@example.com"), code=code(ryogoku), minutes=120
        )
        phone = new_page(service_workers="allow")
        phone.goto(f"/stays/{stay.pk}")
        sign_in(phone, "basic@example.com", PASSWORD)
        assert phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
        phone.reload()
        phone.context.set_offline(True)
        phone.reload()
        phone.click("#unlock-button")
        expect(phone.locator("#offline-note")).to_be_visible()
        phone.wait_for_timeout(150)
        phone.screenshot(path=str(OUT / "19-offline.png"))
        phone.context.set_offline(False)
        # A door code scanned while signed out: which office and space, then sign in.
        stranger = new_page()
        stranger.goto(f"/c/{code(box)}")
        expect(stranger.locator("#door-scan")).to_be_visible()
        stranger.wait_for_timeout(150)
        stranger.screenshot(path=str(OUT / "20-signed-out-scan.png"))
