"""Issue 15 item 4: re-issuing a door code, forcing a checkout, refunding and retiring ask for
confirmation (a ticked box) and a reason; without them nothing changes, and the reason is kept
in the audit row."""

import pytest

from officepass.core.models import AuditEntry
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry
from tests.console.test_setup import office_form


def counts() -> tuple[int, int]:
    return AuditEntry.objects.count(), LedgerEntry.objects.count()


@pytest.mark.parametrize(
    "body",
    [{}, {"reason": "poster stolen"}, {"confirm": "on"}, {"reason": " ", "confirm": "on"}],
)
def test_a_code_is_reissued_only_with_a_reason_and_the_box_ticked(client, world, body):
    client.force_login(world.staff)
    before = counts()
    client.post(f"/console/spaces/{world.space.pk}/reissue/", body)
    world.space.refresh_from_db()
    assert world.space.code_version == 1 and counts() == before


def test_a_confirmed_reissue_voids_the_poster_and_keeps_the_reason(client, world):
    client.force_login(world.staff)
    body = {"reason": "poster stolen", "confirm": "on"}
    client.post(f"/console/spaces/{world.space.pk}/reissue/", body)
    world.space.refresh_from_db()
    assert world.space.code_version == 2
    row = AuditEntry.objects.get(action="space.code_reissue")
    assert row.data["reason"] == "poster stolen"


@pytest.mark.parametrize("body", [{"reason": "fire"}, {"confirm": "on"}])
def test_a_forced_checkout_needs_the_box_and_a_reason(client, world, body):
    client.force_login(world.staff)
    before = counts()
    client.post(f"/console/stays/{world.stay.pk}/force-checkout/", body)
    world.stay.refresh_from_db()
    assert world.stay.status == Stay.Status.ACTIVE and counts() == before


@pytest.mark.parametrize(
    "body", [{"tickets": 1, "reason": "aircon"}, {"tickets": 1, "confirm": "on"}]
)
def test_a_refund_needs_the_box_and_a_reason(client, world, body):
    client.force_login(world.staff)
    before = counts()
    client.post(f"/console/stays/{world.stay.pk}/refund/", body)
    world.stay.refresh_from_db()
    assert world.stay.tickets_refunded == 0 and counts() == before


@pytest.mark.parametrize("extra", [{}, {"retire_reason": "lease ended"}, {"retire_confirm": "on"}])
def test_retiring_an_office_needs_the_box_and_a_reason(client, world, extra):
    client.force_login(world.staff)
    before = counts()
    form = office_form(world.office, **extra)
    del form["is_active"]  # unticked: retire
    response = client.post(f"/console/offices/{world.office.pk}/", form)
    assert response.status_code == 200
    world.office.refresh_from_db()
    assert world.office.is_active and counts() == before


def test_a_confirmed_retirement_keeps_the_reason_in_the_audit_row(client, world):
    client.force_login(world.staff)
    form = office_form(world.office, retire_reason="lease ended", retire_confirm="on")
    del form["is_active"]
    assert client.post(f"/console/offices/{world.office.pk}/", form).status_code == 302
    world.office.refresh_from_db()
    assert not world.office.is_active
    row = AuditEntry.objects.get(action="office.update")
    assert row.data["reason"] == "lease ended" and "is_active" in row.data["fields"]


def test_retiring_a_space_needs_the_box_and_a_reason(client, world):
    client.force_login(world.staff)
    url = f"/console/spaces/{world.space.pk}/"
    base = {"name": "ALPHA-SPACE", "seat_type": "open", "quota": 2}
    before = counts()
    assert client.post(url, {**base, "retire_reason": "walls"}).status_code == 200
    world.space.refresh_from_db()
    assert world.space.is_active and counts() == before
    body = {**base, "retire_reason": "walls", "retire_confirm": "on"}
    assert client.post(url, body).status_code == 302
    world.space.refresh_from_db()
    assert not world.space.is_active
    assert AuditEntry.objects.get(action="space.update").data["reason"] == "walls"


def test_other_edits_need_no_confirmation(client, world):
    client.force_login(world.staff)
    response = client.post(f"/console/offices/{world.office.pk}/", office_form(world.office))
    assert response.status_code == 302
    assert "reason" not in AuditEntry.objects.get(action="office.update").data
