"""The installable app offline, and every main screen usable at 360 px and on a desktop."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from officepass.stays.services import stay_check_in, stays_finalize_expired
from tests import factories as f
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_current_stays_deadline_stays_visible_offline(new_page):
    with time_machine.travel(datetime.now(UTC), tick=True):
        member = f.member("offline@example.com")
        space = f.space(f.office("H1T 両国"), name="オープン席")
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
        page = new_page(service_workers="allow")
        page.goto(f"/stays/{stay.pk}")
        sign_in(page, "offline@example.com", f.PASSWORD)
        deadline = page.locator("#deadline").inner_text()
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now through the worker, which keeps a copy
        expect(page.locator("#deadline")).to_have_text(deadline)
        page.context.set_offline(True)
        page.reload()
        expect(page.locator("#stay-office")).to_have_text("H1T 両国")
        expect(page.locator("#deadline")).to_have_text(deadline)
        page.goto("/history")  # never visited: the offline page, with the kept deadline
        expect(page.locator("#offline-deadline")).to_have_text(deadline)
        expect(page.locator("#offline-space")).to_have_text("オープン席")
        page.context.set_offline(False)


SCREENS = [
    "/account",
    "/",
    "/offices",
    "/checkin",
    "/tickets",
    "/history",
    "/trouble?kind=exit_unlock",
]


@pytest.mark.parametrize("width", [360, 1280])
def test_every_main_screen_fits_the_width_and_labels_every_field(new_page, width):
    with time_machine.travel(datetime.now(UTC), tick=True):
        office = f.office("H1T 両国")
        space = f.space(office, name="オープン席")
        f.member("a11y@example.com")
        page = new_page(viewport={"width": width, "height": 800})
        page.goto("/signin")
        sign_in(page, "a11y@example.com", f.PASSWORD)
        screens = [*SCREENS, f"/offices/{office.pk}", f"/c/{f.code_for(space)}"]
        for url in screens:
            page.goto(url)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, url
            unlabeled = page.evaluate(
                """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                   .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                                 && !el.closest('label'))
                   .map(el => el.name || el.id)"""
            )
            assert unlabeled == [], (url, unlabeled)
            small = page.evaluate(
                """[...document.querySelectorAll('main a.button, main button, nav.tabs a')]
                   .filter(el => el.offsetParent && el.getBoundingClientRect().height < 44)
                   .map(el => el.textContent.trim())"""
            )
            assert small == [], (url, small)
        # The first Tab lands on the skip link, the next on the header.
        page.goto("/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"


def test_the_map_view_shows_a_marker_per_office_and_the_list_still_works(
    new_page, live_server, settings
):
    # Tiles from this server (a static image), so the test never reaches the internet.
    settings.MAP_TILE_URL = live_server.url + "/static/web/icon-192.png?z={z}&x={x}&y={y}"
    for name, lat, lng in (("H1T 両国", 35.6959, 139.7932), ("H1T 錦糸町", 35.6968, 139.8145)):
        f.space(f.office(name, lat=lat, lng=lng))
    f.member("map@example.com")
    page = new_page()
    page.goto("/offices?view=map")
    sign_in(page, "map@example.com", f.PASSWORD)
    expect(page.locator("#map .leaflet-marker-icon")).to_have_count(2)
    page.locator("#map .leaflet-marker-icon").first.click()
    expect(page.locator(".leaflet-popup-content a")).to_have_count(1)
    expect(page.locator("#office-list .office-card")).to_have_count(2)


def test_the_finder_sorts_by_the_phones_location_when_it_is_shared(new_page):
    for name, lat, lng in (("H1T 横浜", 35.4658, 139.6223), ("H1T 両国", 35.6959, 139.7932)):
        f.space(f.office(name, lat=lat, lng=lng))
    f.member("geo@example.com")
    page = new_page(
        permissions=["geolocation"], geolocation={"latitude": 35.4660, "longitude": 139.6220}
    )
    page.goto("/offices")
    sign_in(page, "geo@example.com", f.PASSWORD)
    expect(page).to_have_url(re.compile(r"lat=35\.466"))
    expect(page.locator("#where")).to_have_text("現在地から近い順")
    expect(page.locator("#office-list .office-name").first).to_have_text("H1T 横浜")
    expect(page.locator("#office-list .dist").first).to_contain_text("m")


def test_an_open_page_follows_a_check_in_and_a_forced_checkout_made_elsewhere(new_page):
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        office = f.office("H1T 両国")
        space = f.space(office, name="BOX席", seat_type="box", quota=2)
        f.member("eye@example.com")
        page = new_page()
        page.goto(f"/offices/{office.pk}")
        sign_in(page, "eye@example.com", f.PASSWORD)
        symbol = page.locator(f"[data-space-id='{space.pk}'] .sym")
        expect(symbol).to_have_text("○")
        expect(page.locator("body")).to_have_attribute("data-live", "on")
        page.evaluate("window.__same = true")
        stay = stay_check_in(member=f.member("in@example.com"), code=f.code_for(space), minutes=120)
        expect(symbol).to_have_text("△", timeout=2000)
        expect(page.locator(f"[data-space-id='{space.pk}'] .txt")).to_have_text("残り1")
        clock.move_to(stay.deadline + timedelta(seconds=1))
        assert stays_finalize_expired() == 1  # what the worker does at the deadline
        expect(symbol).to_have_text("○", timeout=2000)
        assert page.evaluate("window.__same") is True
