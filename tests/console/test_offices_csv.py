"""Offices and spaces as CSV (issue 15 item 2): a 150-office file in UTF-8 with BOM and in
Shift_JIS, three bad rows listed exactly, then applied whole; an export re-imports to the
same data; nothing is written by a preview or by a file with errors."""

import base64
import csv
import io
import re
from typing import Any

import pytest

from officepass.accounts.models import User
from officepass.core.models import AuditEntry
from officepass.offices.csvio import COLUMNS, offices_csv_decode, offices_csv_plan
from officepass.offices.models import Office, Operator, Space
from tests import factories

pytestmark = pytest.mark.django_db

WARDS = ["千代田区", "中央区", "港区", "新宿区", "渋谷区"]


def _rows(count: int = 150) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        office = {
            "office_id": "",
            "office_name": f"ワークスペース{n:03d} {WARDS[n % 5]}",
            "address": f"東京都{WARDS[n % 5]}{n}-1-1",
            "lat": f"{35.6 + n / 1000:.4f}",
            "lng": f"{139.7 + n / 1000:.4f}",
            "timezone": "Asia/Tokyo",
            **{day: "08:00-22:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
            "sun": "closed" if n % 2 else "定休日",
            "closed_dates": "2027-01-01|2027-01-02",
            "unit_minutes": "120",
            "step_minutes": "",
            "max_stay_minutes": "480",
            "extension_window_minutes": "15",
            "help_desk_phone": "03-1234-5678",
            "rules_allowed": "phone_booth|locker",
            "rules_forbidden": "meeting_room",
            "office_active": "1",
        }
        for seat, kind in (("ブース", "booth"), ("オープン席", "open")):
            rows.append(
                {
                    **office,
                    "space_id": "",
                    "space_name": seat,
                    "seat_type": kind,
                    "quota": "2" if kind == "booth" else "8",
                    "space_active": "1",
                }
            )
    return rows


def _csv(rows: list[dict[str, Any]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _break(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Three bad rows; returns their file line numbers (header = line 1) and column."""
    rows[10]["lat"] = "北緯35度"
    rows[121]["seat_type"] = "sofa"
    rows[288]["mon"] = "8時から22時"
    return {12: "lat", 123: "seat_type", 290: "mon"}


@pytest.fixture
def staff(db) -> User:
    operator = Operator.objects.create(name="CSV operator")
    return User.objects.create_user("csv-staff@example.com", factories.PASSWORD, operator=operator)


def _preview(client: Any, data: bytes) -> Any:
    upload = io.BytesIO(data)
    upload.name = "offices.csv"
    return client.post("/console/offices/import/", {"file": upload})


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_a_150_office_file_with_three_bad_rows_previews_exactly_those_then_applies(
    client, staff, encoding
):
    client.force_login(staff)
    rows = _rows()
    bad = _break(rows)
    audit_before = AuditEntry.objects.count()

    preview = _preview(client, _csv(rows, encoding))
    plan = preview.context["plan"]

    assert preview.status_code == 200
    assert {e.line: e.column for e in plan.errors} == bad  # exactly those rows, those cells
    assert preview.content.decode().count("<tr><td>") >= 3  # the error table shows them
    assert Office.objects.count() == 0 and AuditEntry.objects.count() == audit_before
    refused = client.post(
        "/console/offices/import/",
        {"payload": base64.b64encode(_csv(rows, "utf-8").decode().encode()).decode(), "apply": "1"},
    )
    assert refused.status_code == 400 and Office.objects.count() == 0  # nothing half-done

    fixed = _rows()  # the operator fixes the three cells
    again = _preview(client, _csv(fixed, encoding))
    plan = again.context["plan"]
    assert plan.errors == [] and (plan.offices_new, plan.spaces_new) == (150, 300)
    assert Office.objects.count() == 0  # a preview writes nothing
    payload = re.search(rb'name="payload" value="([^"]+)"', again.content)
    assert payload is not None
    applied = client.post(
        "/console/offices/import/", {"payload": payload.group(1).decode(), "apply": "1"}
    )

    assert applied.status_code == 302
    offices = Office.objects.filter(operator=staff.operator)
    assert offices.count() == 150 and Space.objects.filter(office__in=offices).count() == 300
    first = offices.get(name="ワークスペース000 千代田区")
    assert first.opening_hours["mon"] == ["08:00", "22:00"] and first.opening_hours["sun"] is None
    assert first.closed_dates == ["2027-01-01", "2027-01-02"]
    assert first.rules_allowed == ["phone_booth", "locker"]
    assert sorted(first.spaces.values_list("seat_type", "quota")) == [("booth", 2), ("open", 8)]
    created = AuditEntry.objects.filter(action__in=["office.create", "space.create"]).count()
    assert created == 450
    assert AuditEntry.objects.filter(action="offices.import", actor_id=staff.pk).count() == 1


@pytest.mark.parametrize("encoding", ["utf-8", "shift_jis"])
def test_an_export_re_imports_to_the_same_data(client, staff, encoding):
    client.force_login(staff)
    payload = re.search(
        rb'name="payload" value="([^"]+)"', _preview(client, _csv(_rows(20), "utf-8-sig")).content
    )
    assert payload is not None
    client.post("/console/offices/import/", {"payload": payload.group(1).decode(), "apply": "1"})
    before = _snapshot(staff.operator)

    exported = client.get(f"/console/offices/export.csv?encoding={encoding}")
    assert exported.status_code == 200
    text = offices_csv_decode(exported.content)
    plan = offices_csv_plan(operator=staff.operator, text=text)
    assert plan.errors == [] and plan.rows == 40
    assert (plan.offices_new, plan.spaces_new, plan.offices_changed, plan.spaces_changed) == (
        0,
        0,
        0,
        0,
    )
    again = _preview(client, exported.content)
    payload = re.search(rb'name="payload" value="([^"]+)"', again.content)
    assert payload is not None
    audit_rows = AuditEntry.objects.count()
    client.post("/console/offices/import/", {"payload": payload.group(1).decode(), "apply": "1"})
    assert _snapshot(staff.operator) == before
    assert AuditEntry.objects.count() == audit_rows + 1  # the import itself, nothing changed


def _snapshot(operator: Operator) -> list[Any]:
    fields = ["pk", "name", "address", "lat", "lng", "opening_hours", "closed_dates"]
    offices = list(Office.objects.filter(operator=operator).order_by("pk").values(*fields))
    spaces = list(
        Space.objects.filter(office__operator=operator)
        .order_by("pk")
        .values("pk", "office_id", "name", "seat_type", "quota", "is_active")
    )
    return [offices, spaces]


def test_an_edited_export_changes_only_what_was_edited(client, staff):
    client.force_login(staff)
    office = factories.office("既存オフィス", operator=staff.operator)
    space = factories.space(office, name="ブース")
    text = offices_csv_decode(client.get("/console/offices/export.csv").content)
    edited = text.replace(",2,1\r\n", ",5,1\r\n")  # quota 2 → 5
    assert edited != text
    preview = _preview(client, edited.encode())
    payload = re.search(rb'name="payload" value="([^"]+)"', preview.content)
    assert payload is not None
    client.post("/console/offices/import/", {"payload": payload.group(1).decode(), "apply": "1"})
    space.refresh_from_db()
    assert space.quota == 5 and Office.objects.count() == 1 and Space.objects.count() == 1
    assert AuditEntry.objects.filter(action="space.update", target_id=str(space.pk)).exists()


def test_another_operators_ids_are_refused_and_never_touched(client, staff):
    other = factories.office("他社オフィス")
    other_space = factories.space(other, name="他社ブース")
    rows = _rows(1)
    rows[0].update(office_id=str(other.pk), space_id=str(other_space.pk))
    client.force_login(staff)
    plan = _preview(client, _csv(rows, "utf-8-sig")).context["plan"]
    assert {e.column for e in plan.errors} >= {"office_id"}
    other.refresh_from_db()
    assert other.name == "他社オフィス"


def test_a_file_that_is_not_text_is_a_clear_400(client, staff):
    client.force_login(staff)
    response = _preview(client, b"\xff\xfe\x00\x81\x00garbage\x80\x81")
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode() or "Shift_JIS" in response.content.decode()
