"""From a door poster to a paying member, in Chromium: signed out at the door's URL → sign up
→ the link in the verification mail (real SMTP, aiosmtpd) → the 10-use plan → pay on the fake
Stripe's hosted page → back at the door with 10 tickets → 4 h at a 2 h office → 8 left → an
add-on pack → 13 → the receipt's text checked with pdftotext."""

import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from officepass.accounts.models import User
from officepass.payments.models import Payment
from officepass.tickets.selectors import balance_of
from tests import factories as f
from tests.payments.conftest import API_KEY, WEBHOOK_SECRET
from tests.payments.fake_stripe import FakeStripe, start_fake_stripe

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-pass-phrase-2026"


@pytest.fixture
def stripe(settings: Any, live_server: Any) -> Iterator[FakeStripe]:
    fake = start_fake_stripe(API_KEY, WEBHOOK_SECRET)
    fake.webhook_url = f"{live_server.url}/api/v1/webhooks/stripe"
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.base_url
    yield fake
    fake.stop()


def _body(message: Any) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "".join(
        p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8")
        for p in parts
        if p.get_content_type() == "text/plain"
    )


def test_from_the_door_poster_to_a_paying_member(new_page, inbox, stripe, tmp_path) -> None:
    office = f.office("H1T 両国", unit_minutes=120)
    space = f.space(office, name="オープン席", quota=2)
    f.plan(
        "individual-10",
        name="個人 10回",
        name_en="Individual 10",
        tickets_per_cycle=10,
        monthly_price_yen=13750,
        addon_pack_price_yen=8800,
    )
    f.plan("individual-20", name="個人 20回", tickets_per_cycle=20, monthly_price_yen=23100)
    code = f.code_for(space)
    page = new_page()

    # Signed out at the door: sign-in, where a newcomer creates an account.
    page.goto(f"/c/{code}")
    expect(page).to_have_url(re.compile(r"/signin\?next=/c/"))
    page.click("a[data-signup]")
    page.fill("input[name=email]", "walkin@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form", has=page.locator("input[name=password2]")).locator(
        "button[type=submit]"
    ).click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/"))

    # The verification mail, over real SMTP; its link signs in and comes back to the door,
    # which sends a member with no plan to the plans.
    assert inbox.arrived.wait(10)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", _body(inbox.messages[0]))
    assert link
    page.goto(link.group(0))
    expect(page).to_have_url(re.compile(r"/plans/\?next=%2Fc%2F"))

    # The 10-use plan, paid on the fake Stripe's hosted page, then back at the door.
    page.locator("li[data-plan='individual-10'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(stripe.base_url) + r"/c/pay/cs_test_"))
    page.click("button.SubmitButton")
    expect(page.locator("h1.office-title")).to_have_text("H1T 両国")
    member = User.objects.get(email="walkin@example.com")
    assert balance_of(member) == 10

    # 4 hours at a 2-hour office: 2 tickets, 8 left.
    four_hours = page.locator("label.option", has=page.locator("input[value='240']"))
    expect(four_hours.locator(".opt-after")).to_contain_text("8")
    four_hours.click()
    page.click("#checkin-form button[type=submit]")
    expect(page.locator("#stay-office")).to_have_text("H1T 両国")
    assert balance_of(member) == 8

    # An add-on pack from the billing page: paid, then 5 more.
    page.goto("/billing")
    expect(page.locator("#balance")).to_have_text("8")
    page.click("button[data-addon]")
    page.click("button.SubmitButton")
    expect(page).to_have_url(re.compile(r"/billing$"))
    expect(page.locator("#balance")).to_have_text("13")

    # The receipt of the first payment, as a PDF with its text.
    first = Payment.objects.get(member=member, kind="first")
    with page.expect_download() as download:
        page.click(f"a[href='/receipts/{first.receipt_id}.pdf']")
    pdf = tmp_path / "receipt.pdf"
    download.value.save_as(pdf)
    command = ["/usr/bin/pdftotext", str(pdf), "-"]
    text = subprocess.run(command, capture_output=True, check=True).stdout.decode()  # noqa: S603
    assert "T9234567890123" in text
    assert "13,750" in text and "1,250" in text  # amount, and 10 % tax within it
    assert "officepass" in text
