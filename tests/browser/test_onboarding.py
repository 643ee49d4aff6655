"""Onboarding in Chromium (issue 15 acceptance): the secretariat adds an operator and invites
its staff → the staff member opens the e-mailed link (a real SMTP server, aiosmtpd) and sets a
password → creates an office open 08:00–22:00 and closed on Sundays, and two spaces, without
typing JSON → prints the door poster → a member checks in there."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from officepass.accounts.models import User
from officepass.offices.models import Office, Operator
from officepass.stays.models import Stay
from tests import factories as f
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
TOKYO = ZoneInfo("Asia/Tokyo")


def next_wednesday_morning() -> datetime:
    """10:00 in Tokyo on a Wednesday at least a day ahead: the office is open, whatever today."""
    day = datetime.now(TOKYO).date() + timedelta(days=1)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=TOKYO).astimezone(UTC)


def console_sign_in(page: Any, email: str) -> None:
    page.goto("/console/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))


def test_secretariat_invites_staff_who_set_up_an_office_where_a_member_checks_in(
    new_page, live_server, inbox
):
    traveller = time_machine.travel(next_wednesday_morning(), tick=True)
    traveller.start()
    try:
        User.objects.create_user("secretariat@example.com", f.PASSWORD, is_staff=True)
        member = f.member("walker@example.com", tickets=10)
        desk = new_page(locale="ja-JP")

        console_sign_in(desk, "secretariat@example.com")
        desk.goto("/console/operators/new/")
        desk.fill("input[name=name]", "両国ワークス株式会社")
        desk.click("main form button[type=submit]")
        expect(desk).to_have_url(re.compile(r"/console/operators/\d+/staff/$"))
        desk.fill("input[name=email]", "staff@ryogoku.example")
        desk.click("main form button[type=submit]")
        expect(desk.locator("table")).to_contain_text("staff@ryogoku.example")
        operator = Operator.objects.get(name="両国ワークス株式会社")

        assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "staff@ryogoku.example"
        body = inbox.messages[0].get_payload(decode=True).decode()
        link = re.search(r"https?://\S+/console/invite/\S+/", body)
        assert link is not None, body

        staff = new_page(locale="ja-JP")
        staff.goto(link.group(0))
        staff.fill("input[name=new_password1]", "ryogoku-Staff-2026!")
        staff.fill("input[name=new_password2]", "ryogoku-Staff-2026!")
        staff.click("main form button[type=submit]")
        expect(staff).to_have_url(re.compile(r"/console/$"))
        staff.goto(link.group(0))  # the link works once
        expect(staff.locator("[role=alert]")).to_be_visible()

        staff.goto("/console/offices/new/")
        expect(staff.locator("textarea[name=opening_hours]")).to_have_count(0)  # no JSON
        staff.fill("input[name=name]", "両国オフィス")
        staff.fill("input[name=address]", "東京都墨田区両国1-1-1")
        staff.fill("input[name=lat]", "35.6967")
        staff.fill("input[name=lng]", "139.7930")
        for n in range(6):  # Monday … Saturday 08:00–22:00
            staff.select_option(f"select[name=opening_hours_{3 * n}]", "open")
            staff.fill(f"input[name=opening_hours_{3 * n + 1}]", "08:00")
            staff.fill(f"input[name=opening_hours_{3 * n + 2}]", "22:00")
        staff.select_option("select[name=opening_hours_18]", "closed")  # Sunday
        staff.check("input[name=rules_allowed][value=phone_booth]")
        staff.check("input[name=rules_forbidden][value=meeting_room]")
        staff.click("main form button[type=submit]")
        expect(staff).to_have_url(re.compile(r"/console/offices/\d+/spaces/new/$"))
        office = Office.objects.get(name="両国オフィス")
        assert office.operator == operator
        assert office.opening_hours["mon"] == ["08:00", "22:00"]
        assert office.opening_hours["sun"] is None
        assert (office.rules_allowed, office.rules_forbidden) == (["phone_booth"], ["meeting_room"])

        for name, seat, quota, button in (
            ("ブースA", "booth", "1", "button[name=another]"),
            ("オープン席", "open", "6", "main form button[type=submit]:not([name])"),
        ):
            staff.fill("input[name=name]", name)
            staff.select_option("select[name=seat_type]", seat)
            staff.fill("input[name=quota]", quota)
            staff.click(button)
        expect(staff).to_have_url(re.compile(rf"/console/offices/{office.pk}/$"))
        assert sorted(office.spaces.values_list("name", "quota")) == [
            ("オープン席", 6),
            ("ブースA", 1),
        ]

        open_seats = office.spaces.get(name="オープン席")
        poster = staff.request.get(f"/console/spaces/{open_seats.pk}/poster.pdf")
        assert poster.status == 200 and poster.body().startswith(b"%PDF")

        phone = new_page()
        phone.goto(f"/c/{f.code_for(open_seats)}")
        sign_in(phone, "walker@example.com", f.PASSWORD)
        expect(phone.locator("h1.office-title")).to_have_text("両国オフィス")
        phone.locator("label.option").first.click()
        phone.click("#checkin-form button[type=submit]")
        expect(phone.locator("#stay-office")).to_have_text("両国オフィス")
        assert Stay.objects.get(member=member, status="active").space == open_seats
    finally:
        traveller.stop()


def test_the_office_pin_sets_latitude_and_longitude(new_page, live_server, settings):
    """The map pin fills the two fields (tiles come from a local path that has none: the map
    works without pictures, and nothing leaves 127.0.0.1)."""
    settings.MAP_TILE_URL = f"{live_server.url}/static/no-tiles/{{z}}/{{x}}/{{y}}.png"
    operator = Operator.objects.create(name="地図テスト")
    User.objects.create_user("pin@example.com", f.PASSWORD, operator=operator)
    page = new_page(locale="ja-JP", viewport={"width": 1024, "height": 900}, is_mobile=False)
    console_sign_in(page, "pin@example.com")
    page.goto("/console/offices/new/")
    expect(page.locator("#map-pin")).to_be_visible()
    assert page.input_value("#id_lat") == ""
    box = page.locator("#map-pin").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    expect(page.locator("#id_lat")).not_to_have_value("")
    lat, lng = float(page.input_value("#id_lat")), float(page.input_value("#id_lng"))
    assert 35.6812 < lat < 36 and 139.7671 < lng < 140  # north-east of the start (Tokyo)
