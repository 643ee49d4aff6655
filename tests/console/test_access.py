"""Tenancy: every console URL (found by walking the resolver, so a new page is covered at once)
refuses a stranger, a member, another operator's staff and another company's admin."""

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from officepass.core.models import AuditEntry
from officepass.invoices.models import CompanyInvoicePayment, CompanyTicketRate, MoneyEntry
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry
from tests.console.conftest import MARKERS, World

PUBLIC = {"login", "logout"}


def console_patterns() -> Iterator[URLPattern]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "console":
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern)
                if pattern.name not in PUBLIC:
                    yield pattern


def console_urls(world: World) -> list[tuple[str, str, tuple[str, ...], bool]]:
    """(name, url, roles allowed) for every console page, export and action; the url names
    the ALPHA tenant's objects when the page takes any."""
    found = []
    kwargs = world.kwargs()
    for pattern in console_patterns():
        names = pattern.pattern.converters.keys()
        url = reverse(f"console:{pattern.name}", kwargs={k: kwargs[k] for k in names})
        roles = getattr(pattern.callback, "console_roles", None)
        assert roles, f"console:{pattern.name} is not wrapped in access.console_view"
        found.append((str(pattern.name), url, roles, bool(names)))
    return found


def test_it_finds_every_console_page(world):
    names = {name for name, *_ in console_urls(world)}
    assert {"offices", "reports", "space-poster", "stay-refund", "audit", "company-csv"} <= names
    assert {
        "money-invoices",
        "money-invoices-csv",
        "money-invoice-pdf",
        "money-invoice-paid",
        "money-receipts-csv",
        "money-receipt-pdf",
        "money-refunds",
        "money-return-invoice-pdf",
        "company-rate",
    } <= names
    assert len(names) >= 30


def test_it_sends_a_stranger_to_sign_in_from_every_console_url(client, world):
    for name, url, *_ in console_urls(world):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, name
            assert response["Location"].startswith("/console/login/"), name


def test_it_refuses_every_console_url_to_a_member(client, world):
    client.force_login(world.member)
    for name, url, *_ in console_urls(world):
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"reason": "x", "tickets": 1}).status_code == 403, name


@pytest.mark.parametrize("outsider", ["other_staff", "other_admin"])
def test_it_hides_the_other_tenants_pages_exports_and_actions(client, world, outsider):
    client.force_login(getattr(world, outsider))
    audit_rows, ledger_rows = AuditEntry.objects.count(), LedgerEntry.objects.count()
    money_rows = MoneyEntry.objects.count(), CompanyTicketRate.objects.count()
    body = {"reason": "x", "tickets": 1, "status": "resolved", "cap": 3, "plan": 1}
    for name, url, _, names_an_object in console_urls(world):
        for response in (client.get(url), client.post(url, body)):
            if names_an_object:
                assert response.status_code in (403, 404), (name, response.status_code)
            elif response.status_code == 200:
                content = response.content.decode()
                leaks = [m for m in MARKERS if m in content]
                assert not leaks, (name, leaks)
            else:
                assert response.status_code in (403, 404, 405), (name, response.status_code)
    assert AuditEntry.objects.count() == audit_rows
    assert LedgerEntry.objects.count() == ledger_rows
    assert (MoneyEntry.objects.count(), CompanyTicketRate.objects.count()) == money_rows
    assert not CompanyInvoicePayment.objects.exists()
    world.space.refresh_from_db()
    world.stay.refresh_from_db()
    world.report.refresh_from_db()
    world.employee.refresh_from_db()
    assert world.space.code_version == 1
    assert world.stay.status == Stay.Status.ACTIVE
    assert world.report.status == "new"
    assert world.employee.monthly_ticket_cap is None


def test_the_owners_reach_every_page_their_role_allows(client, world):
    owner = {"secretariat": world.secretariat, "operator": world.staff, "company": world.admin}
    checked = 0
    for name, url, roles, _ in console_urls(world):
        for role in roles:
            if name.startswith("member") and role == "company" and name != "member-cap":
                continue
            client.force_login(owner[role])
            status = client.get(url).status_code
            assert status in (200, 405), (name, role, status)
            checked += 1
    assert checked >= 40


def test_staff_sign_in_and_land_on_the_console(client, world):
    response = client.post(
        "/console/login/", {"username": world.staff.email, "password": "correct-horse-2026"}
    )
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
