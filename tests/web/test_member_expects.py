"""Issue 13, items 10-14 and 16, through the test client: the account page, history that tells
the truth, each option's resulting deadline, the signed-out door scan, nearby lists only where
they help, no emoji, no doubled seat type, styled 403 and 404 pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from officepass.accounts.models import Company, User
from officepass.core.models import AuditEntry
from officepass.offices import hours
from officepass.stays.services import stay_check_in, stay_checkout, stay_force_checkout
from officepass.tickets.services import ticket_refund_for_stay
from tests import factories as f
from tests.web.test_pages import page

pytestmark = pytest.mark.django_db
# Tuesday 24 November 2026, 10:00 / 14:00 in Tokyo.
TEN_TOKYO = datetime(2026, 11, 24, 1, tzinfo=UTC)
AFTERNOON_TOKYO = datetime(2026, 11, 24, 5, tzinfo=UTC)
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


@pytest.fixture
def member(client):
    user = f.member("acct@example.com", tickets=7)
    user.cycle_ends_at = datetime(2026, 11, 30, 15, tzinfo=UTC)  # 1 Dec 00:00 in Tokyo
    user.save(update_fields=["cycle_ends_at"])
    client.force_login(user)
    return user


@pytest.fixture
def ryogoku():
    return f.space(f.office("H1T 両国", lat=35.696, lng=139.793), name="オープン席")


# 10. The account page


def test_the_account_page_shows_plan_cycle_end_what_expires_balance_and_company(client, member):
    html = page(client, "/account")
    assert 'id="plan-name">individual-10<' in html
    assert "2026-12-01 00:00" in html  # the cycle's end, in Tokyo
    assert "未使用のチケット 7 枚は失効" in html and "残り 7 枚" in html
    assert 'id="signout-button"' in html and 'id="password-change-link"' in html
    assert 'id="account-tab"' in html  # in the menu, on every page
    assert 'id="account-tab"' in page(client, "/")
    corporate = f.corporate_member("corp@example.com")
    corporate.company = Company.objects.create(
        name="株式会社テスト", code="1234567812345678", plan=corporate.plan
    )
    corporate.save(update_fields=["company"])
    client.force_login(corporate)
    html = page(client, "/account")
    assert 'id="company-name">株式会社テスト<' in html and "後払い" in html


def test_the_account_page_in_english_and_its_language_switch(client, member):
    client.post("/language", {"language": "en", "next": "/account"})
    html = page(client, "/account")
    assert "This cycle ends" in html and "unused tickets expire" in html
    assert 'aria-pressed="true">English<' in html
    member.refresh_from_db()
    assert member.language == "en"


def test_a_password_change_keeps_the_phone_signed_in_and_is_audited(client, member):
    response = client.post(
        "/account/password",
        {
            "old_password": f.PASSWORD,
            "new_password1": "another-horse-2027",
            "new_password2": "another-horse-2027",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/account"
    assert "パスワードを変更しました" in page(client, "/account")  # still signed in
    member.refresh_from_db()
    assert member.check_password("another-horse-2027")
    assert AuditEntry.objects.filter(action="member.password_changed").count() == 1
    wrong = client.post(
        "/account/password",
        {"old_password": "nope", "new_password1": "x-y-z-2027-a", "new_password2": "x-y-z-2027-a"},
    )
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()


def test_a_password_reset_from_the_sign_in_page_mails_a_one_time_link(client):
    user = f.member("forgot@example.com")
    client.cookies["django_language"] = "en"  # the page in English, the mail in the member's
    assert 'href="/password-reset"' in page(client, "/signin")
    response = client.post("/password-reset", {"email": "forgot@example.com"})
    assert response["Location"] == "/password-reset/sent"
    unknown = client.post("/password-reset", {"email": "nobody@example.com"})
    assert unknown["Location"] == "/password-reset/sent"  # tells nobody who is a member
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["forgot@example.com"]
    assert mail.outbox[0].subject == "officepass：新しいパスワードの設定"  # noqa: RUF001
    link = re.search(r"http://testserver(/password-reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert 'id="password-set-form"' in form.content.decode()
    new = {"new_password1": "fresh-horse-2027", "new_password2": "fresh-horse-2027"}
    done = client.post(form.redirect_chain[-1][0], new)
    assert done["Location"] == "/password-reset/done"
    user.refresh_from_db()
    assert user.check_password("fresh-horse-2027")
    assert AuditEntry.objects.filter(action="member.password_reset").count() == 1
    again = client.get(link, follow=True).content.decode()
    assert 'data-code="reset_link_invalid"' in again  # a link works once


# 11. History tells the truth


@time_machine.travel(TEN_TOKYO, tick=False)
def test_history_shows_real_end_times_causes_and_refunds(client, member, ryogoku):
    with time_machine.travel(TEN_TOKYO, tick=False) as clock:
        early = stay_check_in(member=member, code=f.code_for(ryogoku), minutes=240)
        clock.shift(timedelta(minutes=47))
        stay_checkout(member=member, stay_id=early.pk, unlock=False)
        forced = stay_check_in(member=member, code=f.code_for(ryogoku), minutes=120)
        clock.shift(timedelta(minutes=30))
        staff = f.member("staff@example.com")
        stay_force_checkout(actor=staff, stay_id=forced.pk, reason="x")
        ticket_refund_for_stay(actor=staff, stay=forced, tickets=1, reason="goodwill")
        html = page(client, "/history")
    rows = dict(re.findall(r'data-stay-id="(\d+)">(.*?)</li>', html, re.S))
    assert '10:00 → <span class="ended-at">10:47</span>' in rows[str(early.pk)]
    assert "14:00" not in rows[str(early.pk)]  # not the deadline
    assert "店舗スタッフがチェックアウト" in rows[str(forced.pk)]
    assert "チケット 1 枚を返還" in rows[str(forced.pk)]


# 12. Each option shows the deadline it leads to


@time_machine.travel(datetime(2026, 11, 24, 0, 11, tzinfo=UTC), tick=False)  # 09:11 Tokyo
def test_each_duration_shows_its_resulting_deadline(client, member, ryogoku):
    html = page(client, f"/c/{f.code_for(ryogoku)}")
    assert "〜11:11まで" in html and "〜13:11まで" in html and "〜17:11まで" in html
    client.post("/language", {"language": "en"})
    assert "until 11:11" in page(client, f"/c/{f.code_for(ryogoku)}")


def test_extension_options_show_their_deadline_and_success_says_tickets_and_balance(
    client, member, ryogoku
):
    with time_machine.travel(TEN_TOKYO, tick=False) as clock:
        stay = stay_check_in(member=member, code=f.code_for(ryogoku), minutes=120)  # → 12:00
        clock.move_to(stay.deadline - timedelta(minutes=10))
        html = page(client, f"/stays/{stay.pk}")
        assert "〜14:00まで" in html and "〜16:00まで" in html
        response = client.post(f"/stays/{stay.pk}/extend", {"minutes": "120"}, follow=True)
    text = response.content.decode()
    assert "新しいチェックアウト期限：14:00" in text  # noqa: RUF001
    assert "1 枚を使用しました。残りは5 枚です。" in text


def test_a_basic_plan_without_tickets_is_told_to_check_the_offices_own_rules(client, ryogoku):
    poor = f.member("poor@example.com", tickets=1)
    client.force_login(poor)
    with time_machine.travel(TEN_TOKYO, tick=False) as clock:
        stay = stay_check_in(member=poor, code=f.code_for(ryogoku), minutes=120)
        clock.move_to(stay.deadline - timedelta(minutes=10))
        html = page(client, f"/stays/{stay.pk}")
        assert "店舗の規定をご確認ください" in html
        refused = client.post(f"/stays/{stay.pk}/extend", {"minutes": "120"})
    assert refused.status_code == 409
    assert 'class="beyond-hint"' in refused.content.decode()


# 13. A signed-out door scan


@time_machine.travel(AFTERNOON_TOKYO, tick=False)
@pytest.mark.parametrize(
    ("language", "words"), [("ja", "読み取った二次元コード"), ("en", "You scanned the code of")]
)
def test_a_signed_out_scan_names_the_office_and_space_with_sign_in_and_reset(
    client, ryogoku, language, words
):
    client.cookies["django_language"] = language
    response = client.get(f"/c/{f.code_for(ryogoku)}", follow=True)
    html = response.content.decode()
    assert words in html and 'id="door-h" class="office-title">H1T 両国<' in html
    assert "オープン席" in html and 'id="password-reset-link"' in html
    assert 'id="email"' in html  # sign in right here
    assert 'id="door-scan"' not in page(client, "/signin?next=/c/forged:code")


# 14. Nearby lists only where they help, as cards


@time_machine.travel(AFTERNOON_TOKYO, tick=False)
def test_nearby_offices_come_with_availability_distance_and_open_until(client, member):
    full = f.space(f.office("H1T 両国", lat=35.696, lng=139.793), name="BOX席", quota=1)
    until_22 = {d: ["08:00", "22:00"] for d in hours.DAYS}
    f.space(f.office("H1T 錦糸町", lat=35.697, lng=139.814, opening_hours=until_22), name="A")
    stay_check_in(member=f.member("sitter@example.com"), code=f.code_for(full), minutes=120)
    html = page(client, f"/c/{f.code_for(full)}")
    card = html.split('class="card nearby-card"', 1)[1].split("</li>", 1)[0]
    assert "H1T 錦糸町" in card and "空席あり 2" in card and "22:00まで営業" in card
    assert re.search(r'class="dist">[\d.]+ (m|km)<', card)


@time_machine.travel(AFTERNOON_TOKYO, tick=False)
def test_home_cards_say_until_when_an_office_is_open_or_that_it_never_closes(client, member):
    until_22 = {d: ["08:00", "22:00"] for d in hours.DAYS}
    f.space(f.office("H1T 新宿", lat=35.690, lng=139.700, opening_hours=until_22))
    f.space(f.office("H1T 両国", lat=35.696, lng=139.793))
    cards = dict(
        re.findall(
            r'<strong class="office-name">(.*?)</strong>(.*?)</li>\s*</ul>', page(client, "/"), re.S
        )
    )
    assert "22:00まで営業" in cards["H1T 新宿"] and "24時間営業" in cards["H1T 両国"]


@time_machine.travel(AFTERNOON_TOKYO, tick=False)
def test_no_nearby_list_where_another_office_would_refuse_the_same(client, ryogoku):
    f.space(f.office("H1T 錦糸町", lat=35.697, lng=139.814))
    broke = f.member("broke@example.com", tickets=0)
    client.force_login(broke)
    html = page(client, f"/c/{f.code_for(ryogoku)}")
    assert 'data-code="insufficient_tickets"' in html and "H1T 錦糸町" not in html


# 16. Icons, seat types, error pages


@time_machine.travel(AFTERNOON_TOKYO, tick=False)
def test_member_pages_draw_svg_icons_not_emoji_and_never_double_the_seat_type(
    client, member, ryogoku
):
    stay = stay_check_in(member=member, code=f.code_for(ryogoku), minutes=120)
    for url in ["/", "/offices", f"/offices/{ryogoku.office_id}", f"/stays/{stay.pk}", "/tickets"]:
        html = page(client, url)
        assert EMOJI.findall(html) == [], url
        assert 'class="icon lucide' in html, url
        assert "オープン席 <small>オープン席" not in html, url


@pytest.mark.parametrize(("language", "title"), [("ja", "見つかりません"), ("en", "Not found.")])
def test_a_missing_page_is_the_apps_styled_404_in_both_languages(client, member, language, title):
    member.language = language
    member.save(update_fields=["language"])
    client.cookies["django_language"] = language
    html = page(client, "/no/such/page", 404)
    assert 'data-code="not_found"' in html and title in html and 'class="tabs"' in html
    assert client.get("/api/v1/no-such-thing").json()["code"] == "not_found"


def test_a_forbidden_page_is_the_apps_styled_403(rf, member):
    from django.core.exceptions import PermissionDenied

    from officepass.web.views.errors import permission_denied

    request = rf.get("/console/x")
    request.user = User.objects.get(pk=member.pk)
    response = permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403 and 'data-code="permission_denied"' in html
    assert 'class="button primary" href="/"' in html


@pytest.mark.parametrize(
    ("language", "words"), [("ja", "何も変更されていません"), ("en", "Nothing was changed.")]
)
def test_a_stale_form_gets_the_styled_403_not_djangos_csrf_page(language, words):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = language
    response = client.post("/signin", {"email": "a@example.com", "password": "p"})
    html = response.content.decode()
    assert response.status_code == 403 and 'data-code="csrf_failed"' in html
    assert words in html and 'href="/"' in html
