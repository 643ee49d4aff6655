"""The statement in the console: operator staff read it, download the PDF (fonts embedded,
both registration numbers, its lines) and the CSVs (lines, and the ledger entries behind each),
and confirm it only with the box ticked; the secretariat appends rates and closes months."""

import csv
import io
import shutil
import subprocess
from datetime import date

import pytest
import time_machine

from officepass.core.models import AuditEntry
from officepass.settlement.models import PayoutRate, Statement
from officepass.settlement.services import statement_close
from tests.settlement.test_statements import OCTOBER, Network, at, october

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(settings) -> tuple[Network, Statement]:
    settings.INVOICE_ISSUER_REGISTRATION_NUMBER = "T1234567890123"
    net = Network()
    net.operator.registration_number = "T9876543210987"
    net.operator.save()
    with time_machine.travel(at(9, 20, 10), tick=False):
        from officepass.settlement.services import payout_rate_add

        payout_rate_add(
            actor=net.secretariat,
            operator=net.operator,
            yen_per_ticket=500,
            effective_from=date(2026, 10, 1),
        )
    october(net)
    with time_machine.travel(at(11, 1, 9), tick=False):
        return net, statement_close(operator=net.operator, month=OCTOBER)


def rows(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csvs_give_the_lines_and_every_entry_behind_them(client, closed):
    net, statement = closed
    client.force_login(net.staff)
    lines = rows(client.get(f"/console/statements/{statement.pk}/statement.csv"))
    assert [r["amount_yen"] for r in lines[:-1]] == [str(x.amount) for x in statement.lines.all()]
    assert lines[-1]["kind"] == "total" and lines[-1]["amount_yen"] == str(statement.amount)
    assert {r["operator_registration_number"] for r in lines} == {"T9876543210987"}
    entries = rows(client.get(f"/console/statements/{statement.pk}/stays.csv"))
    assert sum(int(r["amount_yen"]) for r in entries) == statement.amount
    assert all(r["stay_started_at"].endswith("+09:00") for r in entries)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_the_pdf_embeds_its_font_and_shows_both_registration_numbers(client, closed, tmp_path):
    net, statement = closed
    client.force_login(net.staff)
    response = client.get(f"/console/statements/{statement.pk}/statement.pdf")
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "s.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(  # noqa: S603
        ["pdffonts", path],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    for row in fonts.stdout.splitlines()[2:]:
        assert row.split()[-5] == "yes", row
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", path, "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for wanted in (
        "仕入明細書",
        "T9876543210987",
        "T1234567890123",
        "North",
        f"{statement.amount:,}円",
    ):
        assert wanted in text, wanted


def test_confirming_needs_the_box_and_is_audited(client, closed):
    net, statement = closed
    client.force_login(net.staff)
    url = f"/console/statements/{statement.pk}/confirm/"
    audits = AuditEntry.objects.count()
    client.post(url, {})
    statement.refresh_from_db()
    assert statement.status == "issued" and AuditEntry.objects.count() == audits
    client.post(url, {"confirm": "on"})
    statement.refresh_from_db()
    assert statement.status == "confirmed"
    assert AuditEntry.objects.filter(action="statement.confirm", actor_id=net.staff.pk).count() == 1


def test_the_secretariat_appends_a_rate_and_closing_again_changes_nothing(client, closed):
    net, _ = closed
    client.force_login(net.secretariat)
    url = f"/console/operators/{net.operator.pk}/rate/"
    with time_machine.travel(at(11, 2, 9), tick=False):
        client.post(url, {"yen_per_ticket": 700, "effective_from": "2026-10-20"})  # closed
        client.post(url, {"yen_per_ticket": 700, "effective_from": "2026-11-20"})
        client.post("/console/statements/close/", {"month": "2026-10"})
    assert list(
        PayoutRate.objects.order_by("effective_from").values_list("yen_per_ticket", flat=True)
    ) == [500, 700]
    assert Statement.objects.count() == 1
    page = client.get(f"/console/operators/{net.operator.pk}/")
    assert "700" in page.content.decode()
