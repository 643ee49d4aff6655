"""Languages, a refused check-in with alternatives, and the in-app scanner with a fake camera."""

import re

import pytest
from playwright.sync_api import expect

from officepass.accounts.models import User
from officepass.stays.services import stay_check_in
from tests import factories as f
from tests.browser.conftest import (
    ARGS,
    CHROMIUM,
    request_threads,
    sign_in,
    wait_for_requests_to_end,
)
from tests.browser.qrvideo import write_qr_video

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_are_japanese_by_default_and_english_once_chosen_and_remembered(new_page):
    f.member("lang@example.com")
    page = new_page(locale="en-US")  # the browser asks for English; the service is Japanese first
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_have_text("ログイン")
    sign_in(page, "lang@example.com", f.PASSWORD)
    expect(page.locator("#checkin-button")).to_contain_text("チェックイン")
    expect(page.locator("nav.tabs")).to_contain_text("チケット")

    page.click("form.lang button")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#checkin-button")).to_contain_text("Check in")
    expect(page.locator("nav.tabs")).to_contain_text("Tickets")
    assert User.objects.get(email="lang@example.com").language == "en"

    # Remembered on the member: a new phone (no cookie) signs in and gets English.
    other = new_page(locale="ja-JP")
    other.goto("/tickets")
    expect(other.locator("h1")).to_have_text("ログイン")
    sign_in(other, "lang@example.com", f.PASSWORD)
    expect(other.locator("h1")).to_have_text("Tickets")


def test_a_full_space_is_refused_with_nearby_offices_that_have_a_free_seat_of_that_type(new_page):
    office = f.office("H1T 両国", lat=35.6959, lng=139.7932)
    space = f.space(office, name="BOX席", seat_type="box", quota=1)
    nearby = f.office("H1T 錦糸町", lat=35.6968, lng=139.8145)
    f.space(nearby, name="BOX席", seat_type="box", quota=2)
    only_open = f.office("H1T 押上", lat=35.7101, lng=139.8133)
    f.space(only_open, name="オープン席", seat_type="open", quota=2)
    stay_check_in(member=f.member("first@example.com"), code=f.code_for(space), minutes=120)
    f.member("late@example.com")

    page = new_page()
    page.goto(f"/c/{f.code_for(space)}")
    sign_in(page, "late@example.com", f.PASSWORD)
    refusal = page.locator(".refusal[data-code='space_full']")
    expect(refusal).to_contain_text("満席")
    expect(refusal.locator(".nearby")).to_contain_text("H1T 錦糸町")
    expect(refusal.locator(".nearby")).not_to_contain_text("H1T 押上")  # no box seats there
    expect(page.locator("#checkin-form button[type=submit]")).to_be_disabled()
    expect(page.locator(f"[data-space-id='{space.pk}'] .sym")).to_have_text("×")


def test_the_scanner_decodes_the_door_code_from_the_camera_and_opens_its_check_in_screen(
    playwright_driver, live_server, tmp_path
):
    office = f.office("H1T 日比谷")
    space = f.space(office, name="オープン席")
    f.member("scan@example.com")
    video = write_qr_video(f"{live_server.url}/c/{f.code_for(space)}", tmp_path / "qr.y4m")
    before = request_threads()
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 360, "height": 740},
            permissions=["camera"],
            service_workers="block",
        )
        page = context.new_page()
        page.goto("/checkin")
        sign_in(page, "scan@example.com", f.PASSWORD)
        expect(page).to_have_url(re.compile(r"/c/"), timeout=15_000)
        expect(page.locator("h1.office-title")).to_have_text("H1T 日比谷")
        expect(page.locator(".space-title")).to_contain_text("オープン席")
        context.close()
    finally:
        browser.close()
        wait_for_requests_to_end(ignore=before)
