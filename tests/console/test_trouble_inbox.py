"""The trouble inbox closes the loop (issue 15 item 5): assignment, internal notes, a reply
the member gets by e-mail (a real SMTP server) and reads on their trouble page, the status
history, filters; every step audited, notes never shown to the member."""

from typing import Any

from officepass.core.models import AuditEntry
from officepass.support.models import TroubleEntry


def post(client: Any, world: Any, **data: Any) -> Any:
    return client.post(f"/console/trouble/{world.report.pk}/", data)


def test_staff_assign_note_reply_and_resolve_and_the_member_sees_only_the_reply(
    client, world, inbox, django_capture_on_commit_callbacks
):
    client.force_login(world.staff)
    assert post(client, world, action="assign", assignee=world.staff.pk).status_code == 302
    post(client, world, action="note", body="鍵の電池を確認する (internal)")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, world, action="reply", body="電池を交換しました。ご不便をおかけしました。")
    post(client, world, action="status", status="resolved")

    kinds = list(world.report.entries.values_list("kind", flat=True))
    assert kinds == ["assign", "note", "reply", "status"]
    world.report.refresh_from_db()
    assert (world.report.assignee, world.report.status) == (world.staff, "resolved")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"trouble_report.assign", "trouble_report.note", "trouble_report.reply"} <= actions
    assert "trouble_report.status" in actions

    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == world.employee.email
    mail = inbox.messages[0].get_payload(decode=True).decode()
    assert "電池を交換しました" in mail and "internal" not in mail

    page = client.get(f"/console/trouble/{world.report.pk}/").content.decode()
    assert "鍵の電池を確認する" in page and "電池を交換しました" in page

    client.force_login(world.employee)
    mine = client.get("/trouble/mine").content.decode()
    assert "電池を交換しました" in mine
    assert "鍵の電池を確認する" not in mine  # internal notes stay internal


def test_the_inbox_filters_by_assignee_kind_and_status(client, world):
    client.force_login(world.staff)
    url = "/console/trouble/"
    assert str(world.report.pk) in client.get(url, {"assignee": "none"}).content.decode()
    post(client, world, action="assign", assignee=world.staff.pk)
    mine = client.get(url, {"assignee": "me"}).context["page"].object_list
    unassigned = client.get(url, {"assignee": "none"}).context["page"].object_list
    assert [r.pk for r in mine] == [world.report.pk] and list(unassigned) == []
    assert list(client.get(url, {"kind": "other"}).context["page"].object_list) == []
    assert list(client.get(url, {"status": "resolved"}).context["page"].object_list) == []


def test_another_operators_staff_cannot_be_assigned_and_nothing_changes(client, world):
    client.force_login(world.staff)
    response = post(client, world, action="assign", assignee=world.other_staff.pk)
    assert response.status_code == 200  # the choice is not offered: a form error
    world.report.refresh_from_db()
    assert world.report.assignee is None and not TroubleEntry.objects.exists()


def test_an_empty_note_is_refused_with_the_form_and_nothing_is_written(client, world):
    client.force_login(world.staff)
    response = post(client, world, action="note", body="   ")
    assert response.status_code == 200 and response.context["note_form"].errors
    assert not TroubleEntry.objects.exists()
