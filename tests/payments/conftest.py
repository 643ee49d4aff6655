from collections.abc import Iterator

import httpx
import pytest
from django.test import Client

from officepass.accounts.models import User
from tests import factories
from tests.payments.fake_stripe import Delivery, FakeStripe, start_fake_stripe

API_KEY = "sk_test_51Officepass0000000000000000000000000000000000"
WEBHOOK_SECRET = "whsec_test_0f1e2d3c4b5a69788796a5b4c3d2e1f0"
WEBHOOK_PATH = "/api/v1/webhooks/stripe"


@pytest.fixture
def fake_stripe(settings) -> Iterator[FakeStripe]:
    fake = start_fake_stripe(API_KEY, WEBHOOK_SECRET)
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.base_url
    settings.PAYMENTS_PROVIDER_TIMEOUT = 5
    yield fake
    fake.stop()


def deliver(client: Client, delivery: Delivery) -> int:
    response = client.post(
        WEBHOOK_PATH,
        data=delivery.payload,
        content_type="application/json",
        headers={"Stripe-Signature": delivery.headers["Stripe-Signature"]},
    )
    return response.status_code


def deliver_all(client: Client, fake: FakeStripe) -> list[Delivery]:
    """Stripe's deliveries, in order; each must be answered 200."""
    sent = list(fake.outbox)
    fake.outbox.clear()
    for delivery in sent:
        assert deliver(client, delivery) == 200
    return sent


@pytest.fixture
def sold_plans() -> dict[str, object]:
    ten = factories.plan(
        "individual-10",
        name="個人 10",
        name_en="Individual 10",
        tickets_per_cycle=10,
        monthly_price_yen=13750,
        addon_pack_price_yen=8800,
    )
    twenty = factories.plan(
        "individual-20",
        name="個人 20",
        name_en="Individual 20",
        tickets_per_cycle=20,
        monthly_price_yen=23100,
        addon_pack_price_yen=8800,
    )
    return {"10": ten, "20": twenty}


@pytest.fixture
def newcomer(db) -> User:
    """Signed up and verified, no plan yet."""
    return User.objects.create_user("new@example.com", factories.PASSWORD)


def pay_on_hosted_page(url: str) -> str:
    """What a browser does on Stripe's page: load it, press Pay, follow to success_url."""
    page = httpx.get(url)
    assert page.status_code == 200 and "Pay" in page.text
    answer = httpx.post(url, data={"cardNumber": "4242424242424242"}, follow_redirects=False)
    assert answer.status_code == 303
    return answer.headers["Location"]
