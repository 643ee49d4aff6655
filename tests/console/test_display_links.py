"""Issue 13.7: each door tablet has its own revocable link that can only show codes."""

import re

import pytest

from officepass.core.models import AuditEntry
from officepass.offices.models import DoorDisplay


@pytest.fixture
def rotating(world):
    world.space.rotating_display = True
    world.space.save(update_fields=["rotating_display"])
    return world.space


def make_link(client, world, space) -> str:
    client.force_login(world.staff)
    response = client.post(
        f"/console/spaces/{space.pk}/displays/", {"label": "入口タブレット"}, follow=True
    )
    found = re.search(r"(/display/[A-Za-z0-9_\-]+/)", response.content.decode())
    assert found, "the link is shown once to the staff who made it"
    client.logout()
    return found.group(1)


def revoke(client, user, space, display):
    client.force_login(user)
    response = client.post(
        f"/console/spaces/{space.pk}/displays/revoke/", {"display_id": str(display.pk)}
    )
    client.logout()
    return response


def test_a_display_link_shows_the_code_without_any_staff_session(client, world, rotating):
    link = make_link(client, world, rotating)
    page = client.get(link)
    assert page.status_code == 200 and b"<svg" in page.content
    assert b"ALPHA-OFFICE" in page.content and b'href="/console' not in page.content
    svg = client.get(link + "code.svg")
    assert svg["Content-Type"] == "image/svg+xml" and svg["Cache-Control"] == "no-store"
    assert "_auth_user_id" not in client.session  # the tablet holds no account at all
    assert client.get(f"/console/stays/{world.stay.pk}/").status_code == 302
    assert DoorDisplay.objects.get().token_hash not in link  # only a digest is stored
    assert AuditEntry.objects.filter(action="display.create").count() == 1


def test_a_revoked_link_shows_nothing_any_more(client, world, rotating):
    link = make_link(client, world, rotating)
    assert revoke(client, world.staff, rotating, DoorDisplay.objects.get()).status_code == 302
    assert client.get(link).status_code == 404
    assert client.get(link + "code.svg").status_code == 404
    assert client.get("/display/forged-token/").status_code == 404


def test_another_operators_staff_cannot_revoke_the_link(client, world, rotating):
    link = make_link(client, world, rotating)
    display = DoorDisplay.objects.get()
    assert revoke(client, world.other_staff, rotating, display).status_code == 404
    assert client.get(link).status_code == 200
