"""Operations from the console: force checkout, trouble status, member actions, audit filters."""

from officepass.core import clock
from officepass.core.models import AuditEntry
from officepass.settlement.models import PayoutRate
from officepass.settlement.selectors import network_date, rate_today
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry


def test_staff_force_a_checkout_the_seat_is_freed_and_it_is_audited(client, world):
    client.force_login(world.staff)
    page = client.get(f"/console/offices/{world.office.pk}/occupancy/")
    assert world.employee.email in page.content.decode()
    response = client.post(
        f"/console/stays/{world.stay.pk}/force-checkout/", {"reason": "fire", "confirm": "on"}
    )
    assert response.status_code == 302
    world.stay.refresh_from_db()
    world.space.refresh_from_db()
    assert (world.stay.status, world.space.in_use) == (Stay.Status.FORCED_OUT, 0)
    assert AuditEntry.objects.filter(target_id=str(world.stay.pk), data__reason="fire").exists()
    again = client.post(
        f"/console/stays/{world.stay.pk}/force-checkout/", {"reason": "fire", "confirm": "on"}
    )
    assert again.status_code == 302  # answered with a message, not an error page


def test_a_force_checkout_needs_a_reason(client, world):
    client.force_login(world.staff)
    client.post(f"/console/stays/{world.stay.pk}/force-checkout/", {"reason": "", "confirm": "on"})
    world.stay.refresh_from_db()
    assert world.stay.status == Stay.Status.ACTIVE


def test_the_inbox_moves_a_report_through_its_statuses(client, world):
    client.force_login(world.staff)
    inbox = client.get("/console/trouble/?status=new").content.decode()
    assert f"/console/trouble/{world.report.pk}/" in inbox
    client.post(f"/console/trouble/{world.report.pk}/", {"status": "in_progress"})
    world.report.refresh_from_db()
    assert world.report.status == "in_progress"
    assert (
        f"/console/trouble/{world.report.pk}/"
        not in client.get("/console/trouble/?status=new").content.decode()
    )
    row = AuditEntry.objects.get(action="trouble_report.status")
    assert row.data == {"old": "new", "new": "in_progress"}


def test_the_secretariat_grants_tickets_and_adds_a_pack(client, world):
    client.force_login(world.secretariat)
    member = world.member
    client.post(f"/console/members/{member.pk}/grant/", {"tickets": 3, "reason": "apology"})
    client.post(f"/console/members/{member.pk}/pack/")
    kinds = list(LedgerEntry.objects.filter(member=member).values_list("kind", "tickets"))
    assert ("grant", 3) in kinds and ("purchase", 5) in kinds
    assert client.post(f"/console/members/{member.pk}/other/").status_code == 404


def test_the_audit_log_filters_by_action_and_actor(client, world):
    client.force_login(world.secretariat)
    page = client.get("/console/audit/?action=trouble_report&actor=alpha-employee").content
    assert b"trouble_report.create" in page and b"stay.check_in" not in page
    assert "トラブル報告 <code>trouble_report.create</code>" in page.decode()  # label, code


def test_the_secretariat_changes_a_plan_and_a_counted_down_account_cannot_turn_prepaid(
    client, world
):
    from officepass.accounts.models import Plan
    from tests import factories

    client.force_login(world.secretariat)
    corporate = Plan.objects.get(code="corporate")
    client.post(f"/console/members/{world.member.pk}/plan/", {"plan": corporate.pk})
    world.member.refresh_from_db()
    assert world.member.plan == corporate
    assert world.member.ticket_account.postpaid is True
    individual = factories.plan()
    client.post(f"/console/members/{world.employee.pk}/plan/", {"plan": individual.pk})
    world.employee.refresh_from_db()
    assert world.employee.plan == corporate  # its balance counted usage below zero
    assert AuditEntry.objects.filter(action="member.plan_change").count() == 1


def test_the_secretariat_opens_a_company_with_a_16_digit_code(client, world):
    from officepass.accounts.models import Company, Plan

    client.force_login(world.secretariat)
    plan = Plan.objects.get(code="corporate").pk
    bad = client.post("/console/companies/", {"name": "X", "code": "123", "plan": plan})
    assert bad.status_code == 200 and bad.context["form"].errors["code"]
    taken = {"name": "Y", "code": world.company.code, "plan": plan}
    assert client.post("/console/companies/", taken).context["form"].errors["code"]
    ok = client.post("/console/companies/", {"name": "Z", "code": "9" * 16, "plan": plan})
    assert ok.status_code == 302
    assert Company.objects.get(code="9" * 16).name == "Z"
    assert AuditEntry.objects.filter(action="company.create").count() == 1
    client.force_login(world.admin)  # a corporate admin cannot open companies
    client.post("/console/companies/", {"name": "W", "code": "8" * 16, "plan": plan})
    assert not Company.objects.filter(code="8" * 16).exists()


def test_the_secretariat_appends_a_dated_rate_and_staff_cannot(client, world):
    """Rates are appended with their start date (settlement.PayoutRate), never overwritten."""
    client.force_login(world.secretariat)
    today = network_date(clock.now())
    url = f"/console/operators/{world.operator.pk}/rate/"
    client.post(url, {"yen_per_ticket": 640, "effective_from": today.isoformat()})
    rate = PayoutRate.objects.get(operator=world.operator)
    assert (rate.yen_per_ticket, rate.effective_from) == (640, today)
    assert AuditEntry.objects.get(action="payout_rate.add").data["yen_per_ticket"] == 640
    assert rate_today(world.operator) == 640
    world.operator.refresh_from_db()
    assert world.operator.payout_per_ticket == 500  # the opening rate stays as it was
    client.force_login(world.staff)  # staff cannot raise their own rate
    body = {"yen_per_ticket": 9999, "effective_from": today.isoformat()}
    assert client.post(url, body).status_code == 403
    assert PayoutRate.objects.count() == 1
