"""Issue 15 item 3: the console is usable on a phone — no page is wider than a 375 px screen
(document.scrollingElement.scrollWidth <= innerWidth), for operator staff and the secretariat,
with long names, a jammed lock, a trouble report and a closed payout statement on the pages."""

from typing import Any

import pytest

from officepass.accounts.models import User
from officepass.locks.health import lock_health_report
from officepass.offices.models import Operator
from officepass.settlement.services import previous_month, statement_close
from officepass.stays.services import stay_check_in
from officepass.support.services import trouble_report_create
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "東京都千代田区丸の内一丁目サテライトオフィス・コワーキングスペース本館"


def sign_in(page: Any, email: str) -> None:
    page.goto("/console/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/console/")


def overflow(page: Any, path: str) -> tuple[int, int]:
    page.goto(path)
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


def test_no_console_page_is_wider_than_a_phone(new_page):
    operator = Operator.objects.create(name=LONG, payout_per_ticket=500)
    office = factories.office(LONG, operator=operator)
    space = factories.space(office, name=LONG)
    member = factories.member("phone-member@example.com")
    stay = stay_check_in(member=member, code=factories.code_for(space), minutes=120)
    lock_health_report(space_id=space.pk, online=False, state="jammed")
    report = trouble_report_create(
        member=member, office_id=office.pk, stay_id=stay.pk, kind="entry_unlock", message=LONG
    )
    statement = statement_close(operator=operator, month=previous_month())
    staff = User.objects.create_user(
        "phone-staff@example.com", factories.PASSWORD, operator=operator
    )
    secretariat = User.objects.create_user(
        "phone-sec@example.com", factories.PASSWORD, is_staff=True
    )
    paths = [
        "/console/",
        "/console/offices/",
        f"/console/offices/{office.pk}/",
        f"/console/offices/{office.pk}/occupancy/",
        f"/console/spaces/{space.pk}/",
        f"/console/stays/{stay.pk}/",
        "/console/trouble/",
        f"/console/trouble/{report.pk}/",
        "/console/reports/",
        f"/console/reports/offices/{office.pk}/",
        f"/console/reports/offices/{office.pk}/stays/",
        "/console/statements/",
        f"/console/statements/{statement.pk}/",
        f"/console/operators/{operator.pk}/",
    ]
    for user, extra in ((staff, []), (secretariat, ["/console/operators/", "/console/audit/"])):
        page = new_page(viewport={"width": 375, "height": 740})
        sign_in(page, user.email)
        wide = {}
        for path in paths + extra:
            scroll, inner = overflow(page, path)
            # A phone browser widens its layout viewport to fit a too-wide page, so
            # innerWidth itself must stay the screen's 375 px.
            if scroll > inner or inner != 375:
                wide[path] = (scroll, inner)
        assert not wide, (user.email, wide)
