"""Issue 13 "truth at the door" in Chromium at 390×844: what the stay and check-in screens say
when staff end a stay, a full space frees up, the phone goes offline, or extension opens."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from officepass.stays.services import stay_check_in, stay_checkout, stay_force_checkout
from tests import factories as f
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"viewport": {"width": 390, "height": 844}}
# 14:00 in Tokyo on Tuesday 24 November 2026: every office of these tests is open.
AFTERNOON_TOKYO = datetime(2026, 11, 24, 5, tzinfo=UTC)
SHOTS = os.environ.get("DOOR_TRUTH_SHOTS")  # a folder: save what the member sees


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def signed_in(new_page, email: str, url: str, locale: str = "ja-JP"):
    page = new_page(locale=locale, **PHONE)
    page.goto(url)
    sign_in(page, email, f.PASSWORD)
    return page


@pytest.mark.parametrize(
    ("language", "cause"),
    [
        ("ja", "店舗の運営スタッフがチェックアウトしました。"),
        ("en", "The office's staff checked you out."),
    ],
)
def test_a_staff_checkout_ends_the_open_stay_screen_with_its_cause(new_page, language, cause):
    with time_machine.travel(AFTERNOON_TOKYO, tick=True):
        member = f.member("staffed@example.com")
        member.language = language
        member.save(update_fields=["language"])
        space = f.space(f.office("H1T 両国"), name="オープン席")
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
        page = signed_in(new_page, "staffed@example.com", f"/stays/{stay.pk}")
        expect(page.locator("#unlock-button")).to_be_visible()
        expect(page.locator("body")).to_have_attribute("data-live", "on")
        stay_force_checkout(actor=f.member("staff@example.com"), stay_id=stay.pk, reason="x")
        expect(page.locator("#ended-cause")).to_have_text(cause)
        expect(page.locator("#ended-cause")).to_have_attribute("data-cause", "staff")
        expect(page.locator("#unlock-button")).to_have_count(0)
        expect(page.locator("#countdown")).to_have_count(0)
        shot(page, f"staff-checkout-{language}")


def test_a_full_space_that_frees_up_drops_the_full_banner_and_enables_check_in(new_page):
    with time_machine.travel(AFTERNOON_TOKYO, tick=True):
        space = f.space(f.office("H1T 両国"), name="BOX席", seat_type="box", quota=1)
        sitter = f.member("sitter@example.com")
        stay = stay_check_in(member=sitter, code=f.code_for(space), minutes=120)
        f.member("waiting@example.com")
        page = signed_in(new_page, "waiting@example.com", f"/c/{f.code_for(space)}")
        full = page.locator('.refusal[data-code="space_full"]')
        button = page.locator("#checkin-form button[type=submit]")
        expect(full).to_be_visible()
        expect(button).to_be_disabled()
        expect(page.locator("body")).to_have_attribute("data-live", "on")
        stay_checkout(member=sitter, stay_id=stay.pk, unlock=False)
        expect(page.locator(f"[data-space-id='{space.pk}'] .sym")).to_have_text("△")
        expect(full).to_be_hidden()
        expect(button).to_be_enabled()
        shot(page, "freed-space")
        button.click()
        expect(page.locator("#stay-office")).to_have_text("H1T 両国")


def test_offline_the_stay_screen_counts_from_the_deadline_and_unlock_names_the_help_desk(
    new_page,
):
    with time_machine.travel(AFTERNOON_TOKYO, tick=True):
        member = f.member("cached@example.com")
        office = f.office("H1T 両国", help_desk_phone="03-5555-1000")
        stay = stay_check_in(member=member, code=f.code_for(f.space(office)), minutes=120)
        page = new_page(service_workers="allow", **PHONE)
        page.clock.install()
        page.goto(f"/stays/{stay.pk}")
        sign_in(page, "cached@example.com", f.PASSWORD)
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # through the worker, which keeps a copy of this render
        expect(page.locator("#countdown")).to_contain_text("01:5")
        page.clock.fast_forward("30:00")  # the phone sits in a pocket for half an hour
        page.context.set_offline(True)
        page.reload()  # the cached copy
        expect(page.locator("#stay-office")).to_have_text("H1T 両国")
        expect(page.locator("#countdown")).to_contain_text("01:2")
        page.click("#unlock-button")
        note = page.locator("#offline-note")
        expect(note).to_be_visible()
        expect(note.locator("a.tel")).to_have_text("03-5555-1000")
        expect(page.locator("#unlock-dialog")).to_be_hidden()
        shot(page, "offline-unlock")
        page.context.set_offline(False)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_in_the_extension_window_check_out_stays_above_the_fold(new_page, locale):
    with time_machine.travel(AFTERNOON_TOKYO, tick=True) as clock:
        member = f.member("fold@example.com", tickets=10)
        if locale == "en-US":
            member.language = "en"
            member.save(update_fields=["language"])
        office = f.office("H1T 両国", unit_minutes=120, max_stay_minutes=480)
        stay = stay_check_in(member=member, code=f.code_for(f.space(office)), minutes=120)
        clock.move_to(stay.deadline - timedelta(minutes=10))
        page = signed_in(new_page, "fold@example.com", f"/stays/{stay.pk}", locale=locale)
        expect(page.locator("#extend-form input[name=minutes]")).to_have_count(4)
        # Measured as the member sees it: the page loaded and styled (the button has its own
        # height), both boxes in one go, so no reload or late stylesheet mixes two states. (Under
        # CPU load the button was once measured unstyled, 19 px high, below the styled tab bar.)
        page.wait_for_load_state("load")
        expect(page.locator("#checkout-button")).to_have_css("min-height", "56px")
        box, tabs = page.evaluate(
            """() => ["#checkout-button", "nav.tabs"].map((selector) => {
                const r = document.querySelector(selector).getBoundingClientRect();
                return {y: r.y, height: r.height};
            })"""
        )
        shot(page, f"extension-window-{locale}")
        assert box["height"] >= 56
        assert box["y"] + box["height"] <= tabs["y"]  # not hidden behind the tab bar
