"""Issue 13, items 10, 12, 13 and 16 in Chromium at 390×844, in Japanese and English: each
option's resulting deadline, the extension's receipt, the signed-out door scan, the account
page from the menu, and tap targets of at least 48 px on the main screens."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from officepass.stays.services import stay_check_in
from tests import factories as f
from tests.browser.conftest import sign_in
from tests.browser.test_door_truth import PHONE, shot, signed_in

pytestmark = pytest.mark.django_db(transaction=True)
# 09:11 in Tokyo on Tuesday 24 November 2026 (every office of these tests is open).
MORNING_TOKYO = datetime(2026, 11, 24, 0, 11, tzinfo=UTC)
LOCALES = [("ja-JP", "ja"), ("en-US", "en")]


def member_in(email: str, language: str, **extra):
    member = f.member(email, **extra)
    member.language = language
    member.save(update_fields=["language"])
    return member


@pytest.mark.parametrize(("locale", "language"), LOCALES)
def test_each_duration_shows_the_deadline_it_leads_to(new_page, locale, language):
    with time_machine.travel(MORNING_TOKYO, tick=True):
        member_in("until@example.com", language)
        space = f.space(f.office("H1T 両国"), name="オープン席")
        page = signed_in(new_page, "until@example.com", f"/c/{f.code_for(space)}", locale)
        first = page.locator("#checkin-form label.option .opt-until").first
        expect(first).to_have_text("〜11:11まで" if language == "ja" else "until 11:11")
        expect(page.locator("#checkin-form .opt-until")).to_have_count(4)
        shot(page, f"deadline-per-option-{language}")


@pytest.mark.parametrize(("locale", "language"), LOCALES)
def test_an_extension_shows_its_deadline_and_says_tickets_used_and_left(new_page, locale, language):
    with time_machine.travel(MORNING_TOKYO, tick=True) as clock:
        member = member_in("ext@example.com", language, tickets=10)
        space = f.space(f.office("H1T 両国"), name="オープン席")
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)  # → 11:11
        clock.move_to(stay.deadline - timedelta(minutes=10))
        page = signed_in(new_page, "ext@example.com", f"/stays/{stay.pk}", locale)
        until = page.locator("#extend-form .opt-until").first
        expect(until).to_have_text("〜13:11まで" if language == "ja" else "until 13:11")
        page.click("#extend-button")
        receipt = page.locator(".msg-success")
        if language == "ja":
            expect(receipt).to_contain_text("1 枚を使用しました。残りは8 枚です。")
        else:
            expect(receipt).to_contain_text("1 ticket used, 8 tickets left.")


@pytest.mark.parametrize(("locale", "language"), LOCALES)
def test_a_signed_out_scan_names_the_office_and_space_then_signs_in_to_check_in(
    new_page, locale, language
):
    with time_machine.travel(MORNING_TOKYO, tick=True):
        member_in("scan@example.com", language)
        space = f.space(f.office("H1T 両国"), name="BOX席", seat_type="box")
        page = new_page(locale=locale, **PHONE)
        page.goto(f"/c/{f.code_for(space)}")
        if language == "en":
            page.click("header form.lang button")  # chosen before sign-in, kept after it
        eyebrow = "読み取った二次元コード" if language == "ja" else "You scanned the code of"
        expect(page.locator("#door-scan .eyebrow")).to_have_text(eyebrow)
        expect(page.locator("#door-h")).to_have_text("H1T 両国")
        expect(page.locator("#door-scan")).to_contain_text("BOX席")
        expect(page.locator("#password-reset-link")).to_be_visible()
        shot(page, f"signed-out-scan-{language}")
        sign_in(page, "scan@example.com", f.PASSWORD)
        expect(page.locator("#checkin-form")).to_be_visible()


@pytest.mark.parametrize(("locale", "language"), LOCALES)
def test_the_account_page_is_in_the_menu_and_signs_out(new_page, locale, language):
    with time_machine.travel(MORNING_TOKYO, tick=True):
        member = member_in("menu@example.com", language, tickets=6)
        member.cycle_ends_at = datetime(2026, 11, 30, 15, tzinfo=UTC)
        member.save(update_fields=["cycle_ends_at"])
        page = signed_in(new_page, "menu@example.com", "/", locale)
        page.click("#account-tab")
        expect(page.locator("#plan-name")).to_have_text("individual-10")
        expect(page.locator("#cycle-end time")).to_have_text("2026-12-01 00:00")
        expect(page.locator("#account-balance")).to_contain_text("6")
        shot(page, f"account-{language}")
        page.click("#signout-button")
        expect(page.locator("#email")).to_be_visible()


# Every interactive element a thumb meets on the main screens.
TARGETS = "main a, main button, main select, main input:not([type=hidden]), nav a, header button"

MEASURE = """(selector) => {
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    // a radio or checkbox is tapped through its label
    const target = (el.type === "radio" || el.type === "checkbox") && el.closest("label")
      ? el.closest("label") : el;
    const r = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (r.width === 0 || r.height === 0 || style.visibility === "hidden") continue;
    if (el.closest("dialog:not([open])") || el.closest("[hidden]")) continue;
    if (r.width < 48 || r.height < 48) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} "${
        (el.textContent || el.value || "").trim().slice(0, 30)}" ${
        Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize(("locale", "language"), LOCALES)
def test_every_tap_target_on_the_main_screens_is_at_least_48_px(new_page, locale, language):
    with time_machine.travel(MORNING_TOKYO, tick=True) as clock:
        member = member_in("thumb@example.com", language, tickets=10)
        office = f.office("H1T 両国", help_desk_phone="03-5555-1000")
        space = f.space(office, name="オープン席")
        f.space(f.office("H1T 錦糸町", lat=35.697, lng=139.814), name="BOX席", seat_type="box")
        page = new_page(locale=locale, **PHONE)
        page.goto("/signin?next=/")
        small = {"/signin": page.evaluate(MEASURE, TARGETS)}
        sign_in(page, "thumb@example.com", f.PASSWORD)
        urls = ["/", "/offices", f"/offices/{office.pk}", f"/c/{f.code_for(space)}"]
        urls += ["/tickets", "/history", "/account", "/checkin"]
        for url in urls:
            page.goto(url)
            small[url] = page.evaluate(MEASURE, TARGETS)
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
        clock.move_to(stay.deadline - timedelta(minutes=10))
        for url in [f"/stays/{stay.pk}", f"/stays/{stay.pk}/checkout"]:
            page.goto(url)
            small[url] = page.evaluate(MEASURE, TARGETS)
    too_small = [f"{url}: {target}" for url, found in small.items() for target in found]
    assert not too_small, "\n".join(too_small)
