"""The whole stay on a phone, in Chromium: sign in at the door's URL, 4 h at a 2 h office,
unlock with the popup, extend from T−10, the guide's checkout sequence, and a second viewer
watching △ turn back to ○ without a reload."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from officepass.stays.models import Stay
from officepass.tickets.selectors import balance_of
from tests import factories as f
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_goes_through_the_whole_stay_and_a_watcher_sees_the_seat_freed(
    new_page, live_server
):
    traveller = time_machine.travel(datetime.now(UTC), tick=True)
    clock = traveller.start()
    try:
        office = f.office("H1T 両国", unit_minutes=120)
        space = f.space(office, name="オープン席", quota=2)
        member = f.member("door@example.com", tickets=10)
        f.member("watcher@example.com")
        page = new_page()

        # The phone camera opens the door code's URL: sign in, then the check-in screen.
        page.goto(f"/c/{f.code_for(space)}")
        expect(page).to_have_url(re.compile(r"/signin\?next=/c/"))
        sign_in(page, "door@example.com", f.PASSWORD)
        expect(page.locator("h1.office-title")).to_have_text("H1T 両国")
        four_hours = page.locator("label.option", has=page.locator("input[value='240']"))
        expect(four_hours.locator(".opt-cost")).to_have_text("2 枚")
        expect(four_hours.locator(".opt-after")).to_contain_text("8")
        four_hours.click()
        page.click("#checkin-form button[type=submit]")

        # The stay screen: office and space at the top, 2 tickets charged.
        expect(page.locator("#stay-office")).to_have_text("H1T 両国")
        expect(page.locator("#stay-space")).to_contain_text("オープン席")
        expect(page.locator(".msg-success")).to_contain_text("2")
        stay = Stay.objects.get(member=member, status="active")
        assert (stay.minutes, stay.tickets_consumed, balance_of(member)) == (240, 2, 8)
        expect(page.locator("#countdown")).to_contain_text("03:5")

        # Unlock → popup "Unlock" → done.
        page.click("#unlock-button")
        expect(page.locator("#unlock-dialog")).to_be_visible()
        page.click("#unlock-confirm")
        expect(page.locator(".msg-success")).to_contain_text("開錠")
        assert stay.lock_commands.filter(purpose="unlock").count() == 1

        # No Extend yet (it opens 15 minutes before the deadline).
        expect(page.locator("#extend-form")).to_have_count(0)
        expect(page.locator("#extend-later")).to_be_visible()

        # A second member watches the office: one seat taken of two is △.
        watcher = new_page()
        watcher.goto(f"/offices/{office.pk}")
        sign_in(watcher, "watcher@example.com", f.PASSWORD)
        seat = watcher.locator(f"[data-space-id='{space.pk}']")
        expect(seat.locator(".sym")).to_have_text("△")
        expect(watcher.locator("body")).to_have_attribute("data-live", "on")
        watcher.evaluate("window.__notReloaded = true")

        # Time moves to T−10: Extend is shown, with its cost, and works.
        clock.move_to(stay.deadline - timedelta(minutes=10))
        page.reload()
        expect(page.locator("#extend-form")).to_be_visible()
        two_hours = page.locator(
            "#extend-form label.option", has=page.locator("input[value='120']")
        )
        expect(two_hours.locator(".opt-cost")).to_have_text("1 枚")
        expect(two_hours.locator(".opt-after")).to_contain_text("7")
        two_hours.click()
        page.click("#extend-button")
        expect(page.locator(".msg-success")).to_contain_text("延長")
        stay.refresh_from_db()
        assert (stay.minutes, stay.tickets_consumed, balance_of(member)) == (360, 3, 7)
        expect(page.locator("#extend-form")).to_have_count(0)

        # Checkout → Unlock → popup "Unlock" → Checkout → done.
        page.click("#checkout-button")
        page.click("#unlock-button")
        expect(page.locator("#unlock-dialog")).to_be_visible()
        page.click("#unlock-confirm")
        expect(page).to_have_url(f"{live_server.url}/stays/{stay.pk}/checkout?unlocked=1")
        page.click("#checkout-confirm")
        expect(page.locator("#checkout-done")).to_be_visible()
        stay.refresh_from_db()
        assert stay.status == "checked_out"

        # The watcher's page turns △ back to ○ without a reload (the stream's event, waited for;
        # how fast is a make bench figure, not a margin a busy machine can miss).
        expect(seat.locator(".sym")).to_have_text("○", timeout=30_000)
        expect(seat.locator(".txt")).to_have_text("空席あり 2")
        assert watcher.evaluate("window.__notReloaded") is True
    finally:
        traveller.stop()
