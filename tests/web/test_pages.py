"""The member web app through Django's test client: every screen, refusal and guard."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.models import AuditEntry
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from officepass.support.models import TroubleReport
from officepass.tickets.selectors import balance_of
from tests import factories as f

pytestmark = pytest.mark.django_db
NOON_TOKYO = datetime(2026, 11, 24, 3, tzinfo=UTC)


@pytest.fixture
def member(client):
    user = f.member("web@example.com", tickets=10)
    client.force_login(user)
    return user


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in_and_back(client):
    response = client.get("/tickets")
    assert response["Location"] == "/signin?next=/tickets"
    f.member("back@example.com")
    response = client.post(
        "/signin?next=/tickets", {"email": "back@example.com", "password": f.PASSWORD}
    )
    assert response["Location"] == "/tickets"
    assert AuditEntry.objects.filter(action="web.signin").count() == 1


def test_it_refuses_a_wrong_password_with_the_apis_message_and_never_an_open_redirect(client):
    f.member("who@example.com")
    html = page(client, "/signin", 200)
    response = client.post("/signin", {"email": "who@example.com", "password": "nope"})
    assert response.status_code == 401
    assert "invalid_credentials" in response.content.decode()
    response = client.post(
        "/signin?next=https://evil.example/", {"email": "who@example.com", "password": f.PASSWORD}
    )
    assert response["Location"] == "/"
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/offices",
        "/offices?view=map",
        "/checkin",
        "/tickets",
        "/history",
        "/offline",
        "/account",
    ],
)
def test_pages_carry_no_inline_script_style_or_handler_so_the_csp_holds(client, member, url):
    html = page(client, url)
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_language_switch_is_stored_on_the_member_and_in_a_cookie(client, member):
    assert "チェックイン" in page(client, "/")
    response = client.post("/language", {"language": "en", "next": "/tickets"})
    assert response["Location"] == "/tickets"
    assert response.cookies["django_language"].value == "en"
    member.refresh_from_db()
    assert member.language == "en"
    assert "Tickets left" in page(client, "/tickets")
    client.post("/language", {"language": "xx"})
    member.refresh_from_db()
    assert member.language == "ja"


def test_anonymous_pages_ignore_the_browsers_accept_language_japanese_first(client):
    html = client.get("/signin", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="ja"' in html and "ログイン" in html
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get("/signin").content.decode()


def test_the_finder_sorts_by_distance_from_a_station_and_filters_free_seats(client, member):
    far = f.office("H1T 横浜", lat=35.4658, lng=139.6223)
    f.space(far)
    near = f.office("H1T 新宿", lat=35.6896, lng=139.6995)
    full = f.space(near, quota=1)
    stay_check_in(member=f.member("x@example.com"), code=f.code_for(full), minutes=120)
    html = page(client, "/offices?q=新宿")
    assert html.index("H1T 新宿") < html.index("H1T 横浜")
    html = page(client, "/offices?q=新宿&free=1")
    assert "H1T 新宿" not in html and "H1T 横浜" in html
    assert ">×<" in page(client, "/offices?q=Shinjuku")
    assert page(client, "/offices?lat=abc&lng=1e999&seat_type=zzz")  # bad input: no 500


def test_the_map_degrades_to_the_list_without_a_tile_url(client, member, settings):
    f.space(f.office("H1T 日比谷"))
    html = page(client, "/offices?view=map")
    assert 'id="no-map"' in html and 'id="map"' not in html and "H1T 日比谷" in html
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    html = page(client, "/offices?view=map")
    assert 'id="map"' in html and "map-points" in html and "leaflet.js" in html


def test_office_detail_shows_rules_help_desk_unit_and_each_space(client, member):
    office = f.office(
        "H1T 両国", rules_allowed=["phone_booth"], rules_forbidden=["mfp"], help_desk_phone="03-1"
    )
    f.space(office, name="オープン席")
    f.space(office, name="BOX席", seat_type="box")
    html = page(client, f"/offices/{office.pk}")
    for text in ("電話ブース", "複合機", "tel:03-1", "オープン席", "BOX席", "2時間", "○"):
        assert text in html, text
    page(client, "/offices/999999", 404)


@time_machine.travel(NOON_TOKYO, tick=False)
def test_the_check_in_screen_prices_each_duration_and_charges_as_chosen(client, member):
    space = f.space(f.office("H1T 両国", unit_minutes=120))
    html = page(client, f"/c/{f.code_for(space)}")
    assert re.search(r'value="240".*?2 枚.*?利用後の残り 8 枚', html, re.S)
    response = client.post(f"/c/{f.code_for(space)}", {"minutes": "240"})
    stay = Stay.objects.get(member=member)
    assert response["Location"] == f"/stays/{stay.pk}?checked_in=1"
    assert (stay.tickets_consumed, balance_of(member)) == (2, 8)


@time_machine.travel(NOON_TOKYO, tick=False)
def test_a_bad_duration_and_a_forged_code_are_explained_not_500(client, member):
    space = f.space()
    for bad in ("abc", "-120", "²", "9" * 5000):  # int() would raise on the last two
        response = client.post(f"/c/{f.code_for(space)}", {"minutes": bad})
        assert response.status_code == 400 and "invalid_duration" in response.content.decode()
    assert "invalid_code" in page(client, "/c/forged:code", 404)
    assert client.get("/checkin?code=http://x/c/" + f.code_for(space)).status_code == 302


@time_machine.travel(NOON_TOKYO, tick=False)
def test_a_short_balance_and_a_closed_office_are_refused_with_nearby_offices(client):
    poor = f.member("poor@example.com", tickets=1)
    client.force_login(poor)
    office = f.office("H1T 両国", unit_minutes=60)
    f.space(f.office("H1T 錦糸町", lat=35.69, lng=139.81))
    html = page(client, f"/c/{f.code_for(f.space(office))}")
    assert "利用後の残り 0 枚" in html and "チケットが足りません" in html
    response = client.post(f"/c/{f.code_for(f.space(office, name='B'))}", {"minutes": "120"})
    assert response.status_code == 409
    assert "insufficient_tickets" in response.content.decode()
    closed = f.office(
        "H1T 新宿",
        opening_hours={d: None for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    html = page(client, f"/c/{f.code_for(f.space(closed))}")
    assert 'data-code="office_closed"' in html and "H1T 錦糸町" in html


def _stay(member, **office):
    space = f.space(f.office("H1T 両国", help_desk_phone="03-5555-1000", **office))
    return stay_check_in(member=member, code=f.code_for(space), minutes=120)


def test_extend_appears_only_from_t_minus_15_and_a_refusal_is_explained(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False) as clock:
        stay = _stay(member)
        html = page(client, f"/stays/{stay.pk}")
        assert 'id="extend-form"' not in html and 'id="unlock-button"' in html
        response = client.post(f"/stays/{stay.pk}/extend", {"minutes": "120"})
        assert response.status_code == 409 and "extension_not_open" in response.content.decode()
        clock.move_to(stay.deadline - timedelta(minutes=15))
        assert 'id="extend-form"' in page(client, f"/stays/{stay.pk}")
        bad = client.post(f"/stays/{stay.pk}/extend", {"minutes": "9" * 5000})
        assert bad.status_code == 400 and "invalid_duration" in bad.content.decode()
        assert client.post(f"/stays/{stay.pk}/extend", {"minutes": "120"}).status_code == 302
        stay.refresh_from_db()
        assert stay.extensions == 1 and balance_of(member) == 8


def test_after_the_deadline_the_screen_shows_the_forced_checkout_and_no_unlock(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False) as clock:
        stay = _stay(member)
        clock.move_to(stay.deadline + timedelta(seconds=1))
        html = page(client, f"/stays/{stay.pk}")
        assert 'data-status="forced_out"' in html and "強制的にチェックアウト" in html
        assert 'id="unlock-button"' not in html and "tel:03-5555-1000" in html
        response = client.post(f"/stays/{stay.pk}/unlock")
        assert response.status_code == 409 and "stay_not_active" in response.content.decode()


def test_checkout_frees_the_seat_and_shows_the_guides_symbol(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        stay = _stay(member)
        html = page(client, f"/stays/{stay.pk}/checkout")
        assert 'id="unlock-button"' in html and 'id="checkout-confirm"' in html
        client.post(f"/stays/{stay.pk}/unlock", {"then": "checkout"})  # the guide's step 1
        html = client.post(f"/stays/{stay.pk}/checkout").content.decode()
        assert "チェックアウト完了" in html and "○" in html
        stay.refresh_from_db()
        assert stay.status == "checked_out" and stay.space.in_use == 0


def test_a_member_cannot_see_or_act_on_someone_elses_stay(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        stay = _stay(f.member("other@example.com"))
        page(client, f"/stays/{stay.pk}", 404)
        assert client.post(f"/stays/{stay.pk}/unlock").status_code == 404
        assert client.post(f"/stays/{stay.pk}/checkout").status_code == 404
        stay.refresh_from_db()
        assert stay.status == "active"


def test_door_trouble_on_exit_shows_the_help_desk_and_files_a_report(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        stay = _stay(member)
        html = page(client, f"/trouble?kind=exit_unlock&stay={stay.pk}")
        assert "tel:03-5555-1000" in html
        response = client.post(
            "/trouble", {"kind": "exit_unlock", "stay": stay.pk, "message": "won't open"}
        )
        assert 'id="report-sent"' in response.content.decode()
        report = TroubleReport.objects.get()
        assert (report.kind, report.stay_id, report.member_id) == (
            "exit_unlock",
            stay.pk,
            member.pk,
        )
        response = client.post("/trouble", {"kind": "exit_unlock", "stay": stay.pk, "message": " "})
        assert response.status_code == 400 and TroubleReport.objects.count() == 1


def test_tickets_and_history_show_the_ledger_with_reasons_and_past_stays(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        stay = _stay(member)
        html = page(client, "/tickets")
        assert "test grant" in html and "チェックイン H1T 両国" in html and ">-1<" in html
        assert f"/stays/{stay.pk}" in page(client, "/history")


def test_the_pwa_manifest_and_service_worker_are_served_at_the_root(client):
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    response = client.get("/sw.js")
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"


def test_a_jammed_lock_is_explained_with_the_help_desk_and_a_way_to_report(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        office = f.office("H1T 両国", help_desk_phone="03-5555-1000")
        space = f.space(office, lock_driver="simulator", lock_settings={"mode": "jammed"})
        f.space(f.office("H1T 錦糸町", lat=35.69, lng=139.81))
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
        response = client.post(f"/stays/{stay.pk}/unlock")
        html = response.content.decode()
        assert response.status_code == 503 and 'data-code="lock_unavailable"' in html
        assert "錠が動かなくなっています" in html and "jammed" not in html  # member words
        assert "tel:03-5555-1000" in html and "H1T 錦糸町" in html
        assert f"/trouble?kind=entry_unlock&amp;stay={stay.pk}" in html
        response = client.post(f"/stays/{stay.pk}/unlock", {"then": "checkout"})
        assert 'id="checkout-confirm"' in response.content.decode()  # can still check out


def test_door_trouble_on_entry_cancels_and_refunds_when_the_door_never_opened(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        space = f.space(lock_driver="simulator", lock_settings={"mode": "jammed"})
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=240)
        client.post(f"/stays/{stay.pk}/unlock")
        assert "チケットを返却" in page(client, f"/trouble?kind=entry_unlock&stay={stay.pk}")
        html = client.post(f"/stays/{stay.pk}/recover").content.decode()
        assert "チェックインを取り消し" in html
        stay.refresh_from_db()
        assert stay.status == "cancelled" and balance_of(member) == 10


def test_stay_office_and_check_in_screens_are_csp_safe_too(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        stay = _stay(member)
        other = f.space(f.office("H1T 錦糸町"))
        urls = [
            f"/stays/{stay.pk}",
            f"/stays/{stay.pk}/checkout",
            f"/offices/{stay.office_id}",
            f"/c/{f.code_for(other)}",
            f"/trouble?kind=entry_unlock&stay={stay.pk}",
        ]
        for url in urls:
            html = page(client, url)
            assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html), url
            assert not re.search(r"\s(style|on[a-z]+)=", html), url
            assert html.count("csrfmiddlewaretoken") >= html.count('method="post"'), url


def test_extension_without_enough_tickets_is_explained_before_pressing(client):
    poor = f.member("poor@example.com", tickets=1)
    client.force_login(poor)
    with time_machine.travel(NOON_TOKYO, tick=False) as clock:
        stay = _stay(poor)
        clock.move_to(stay.deadline - timedelta(minutes=10))
        html = page(client, f"/stays/{stay.pk}")
        assert 'data-code="insufficient_tickets"' in html and 'id="extend-button"' not in html
        response = client.post(f"/stays/{stay.pk}/extend", {"minutes": "120"})
        assert response.status_code == 409 and "insufficient_tickets" in response.content.decode()


def test_the_home_page_lists_offices_nearest_to_the_shared_location(client, member):
    f.space(f.office("H1T 横浜", lat=35.4658, lng=139.6223))
    f.space(f.office("H1T 両国", lat=35.6959, lng=139.7932))
    html = page(client, "/")
    assert html.index("H1T 両国") < html.index("H1T 横浜")  # from Tokyo Station
    html = page(client, "/nearest?lat=35.466&lng=139.622")
    assert html.index("H1T 横浜") < html.index("H1T 両国") and "現在地" in html


def test_overlong_ids_and_junk_parameters_are_404_or_ignored_never_500(client, member):
    for url in ("/offices/99999999999999999999", "/stays/99999999999999999999"):
        assert client.get(url).status_code == 404
    assert page(client, "/trouble?kind=zzz&stay=99999999999999999999&office=abc")
    assert page(client, "/nearest?lat=nan&lng=inf")


def test_sign_in_is_throttled_per_e_mail_like_the_api(client, settings):
    settings.LOGIN_MAX_FAILURES = 2
    f.member("slow@example.com")
    for _ in range(2):
        client.post("/signin", {"email": "slow@example.com", "password": "bad"})
    response = client.post("/signin", {"email": "slow@example.com", "password": f.PASSWORD})
    assert response.status_code == 429 and "too_many_attempts" in response.content.decode()


def test_actions_on_another_members_stay_are_not_found_whatever_the_body(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        stay = _stay(member)
        client.force_login(f.member("other@example.com"))
        for action, body in [
            ("unlock", {}),
            ("extend", {"minutes": "120"}),
            ("extend", {"minutes": "abc"}),
            ("recover", {}),
        ]:
            response = client.post(f"/stays/{stay.pk}/{action}", body)
            assert response.status_code == 404, (action, body)
            assert "not_found" in response.content.decode()
        assert client.post("/stays/999999/extend", {"minutes": "x"}).status_code == 404
    stay.refresh_from_db()
    assert stay.extensions == 0 and stay.status == "active"


def test_the_stay_page_shows_the_offices_own_extension_window(client, member):
    with time_machine.travel(NOON_TOKYO, tick=False):
        stay = _stay(member, extension_window_minutes=30)
        html = page(client, f"/stays/{stay.pk}")
    assert "チェックアウト期限の30分前" in html and "15分前" not in html
