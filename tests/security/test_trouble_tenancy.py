"""A trouble report's office decides which operator's staff see it, so a report naming a stay
must name that stay's office; the console shows a report's stay only to its own operator."""

from datetime import timedelta

import pytest
from django.test import Client

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.locks.models import LockCommand
from officepass.offices.models import Operator
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from officepass.support.models import TroubleReport
from officepass.support.services import trouble_report_create
from tests import factories as f
from tests.security.helpers import bearer, send

pytestmark = pytest.mark.django_db
MARKER = "YANKEE-LOCK-DIAGNOSTIC"


@pytest.fixture
def yankee_stay() -> Stay:
    """A member's stay at operator Y's office, with one lock command of its own."""
    office = f.office("Y office", operator=Operator.objects.create(name="Y"))
    stay = stay_check_in(member=f.member("m@x.jp"), code=f.code_for(f.space(office)), minutes=120)
    LockCommand.objects.create(
        space=stay.space,
        stay=stay,
        member=stay.member,
        driver="simulator",
        error_code=MARKER,
        created_at=clock.now(),
        not_after=clock.now() + timedelta(seconds=30),
    )
    return stay


def test_a_report_naming_another_offices_stay_is_refused(client: Client, yankee_stay) -> None:
    x_office = f.office("X office", operator=Operator.objects.create(name="X"))
    body = {"office_id": x_office.pk, "stay_id": yankee_stay.pk, "kind": "other", "message": "?"}
    response = send(
        client, "POST", "/api/v1/trouble-reports", body, **bearer(client, yankee_stay.member)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert not TroubleReport.objects.exists()


def test_the_service_refuses_it_too_and_takes_the_stays_own_office(yankee_stay) -> None:
    x_office = f.office("X office", operator=Operator.objects.create(name="X"))
    with pytest.raises(DomainError) as error:
        trouble_report_create(
            member=yankee_stay.member,
            office_id=x_office.pk,
            stay_id=yankee_stay.pk,
            kind="entry_unlock",
            message="the door",
        )
    assert (error.value.code, error.value.extra) == ("invalid_input", {"field": "stay_id"})
    report = trouble_report_create(
        member=yankee_stay.member,
        office_id=yankee_stay.office_id,
        stay_id=yankee_stay.pk,
        kind="entry_unlock",
        message="the door",
    )
    assert report.stay == yankee_stay


def test_a_stored_cross_tenant_report_never_shows_the_stay_to_the_other_operator(
    client: Client, yankee_stay
) -> None:
    x_operator = Operator.objects.create(name="X")
    x_office = f.office("X office", operator=x_operator)
    # as an older report filed before the check could have been stored
    report = TroubleReport.objects.create(
        member=yankee_stay.member,
        office=x_office,
        stay=yankee_stay,
        kind="entry_unlock",
        message="the door",
        diagnostics={"commands": [MARKER]},
        created_at=clock.now(),
    )
    x_staff = User.objects.create_user("x-staff@x.jp", f.PASSWORD, operator=x_operator)
    client.force_login(x_staff)
    page = client.get(f"/console/trouble/{report.pk}/")
    assert page.status_code == 200  # the report is X's (its office)
    html = page.content.decode()
    assert MARKER not in html
    assert f"/console/stays/{yankee_stay.pk}/" not in html
    assert client.get(f"/console/stays/{yankee_stay.pk}/").status_code == 404

    client.force_login(User.objects.create_user("sec@x.jp", f.PASSWORD, is_staff=True))
    assert MARKER in client.get(f"/console/trouble/{report.pk}/").content.decode()
