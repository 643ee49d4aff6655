"""Offices and spaces as CSV, for operators who keep their network in Excel (issue 15, item 2).

One row per space; its office's columns repeat on every row of that office (the first row
of an office decides, later rows must agree or leave the office columns blank). `office_id`
and `space_id` name existing rows of the operator (an export carries them, so an export
re-imports to the same data); blank ids create, grouped by `office_name` within the file.

Files come as UTF-8 (with or without the BOM Excel writes) or Shift_JIS (cp932, what
Japanese Excel saves as "CSV"); the standard `csv` module reads them and Django's model
validation (`full_clean`, the same validators the console's forms use, the opening-hours
rules in `offices.hours`) checks every cell. `offices_csv_plan` is the dry run: every row's
errors, nothing written. `offices_csv_apply` validates again and writes everything in one
transaction (or nothing), one audit row per office and space created or changed, and one
for the import.
"""

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from officepass.accounts.models import User
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.offices import hours
from officepass.offices.models import Office, Operator, SeatType, Space

DAY_COLUMNS = hours.DAYS
OFFICE_COLUMNS = (
    "office_id",
    "office_name",
    "address",
    "lat",
    "lng",
    "timezone",
    *DAY_COLUMNS,
    "closed_dates",
    "unit_minutes",
    "step_minutes",
    "max_stay_minutes",
    "extension_window_minutes",
    "help_desk_phone",
    "rules_allowed",
    "rules_forbidden",
    "office_active",
)
SPACE_COLUMNS = ("space_id", "space_name", "seat_type", "quota", "space_active")
COLUMNS = OFFICE_COLUMNS + SPACE_COLUMNS
REQUIRED = ("office_name", "address", "lat", "lng", "space_name", "seat_type", "quota")
MAX_ROWS = 20_000
CLOSED = ("closed", "休", "定休日", "-")
ALL_DAY = ("24h", "24時間")
SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–〜~]\s*(\d{1,2}:\d{2})\s*$")
RULE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TRUE, FALSE = ("1", "true", "yes", "y", "はい", "有効"), ("0", "false", "no", "n", "いいえ", "無効")
# Office fields written from a row (the model's own names), and the space's.
OFFICE_FIELDS = (
    "name",
    "address",
    "lat",
    "lng",
    "timezone",
    "opening_hours",
    "closed_dates",
    "unit_minutes",
    "step_minutes",
    "max_stay_minutes",
    "extension_window_minutes",
    "help_desk_phone",
    "rules_allowed",
    "rules_forbidden",
    "is_active",
)
SPACE_FIELDS = ("name", "seat_type", "quota", "is_active")


@dataclass(frozen=True)
class RowError:
    line: int  # the file's line number (the header is line 1)
    column: str
    message: str


@dataclass
class _OfficeRow:
    line: int
    key: str
    values: dict[str, Any]
    instance: Office | None = None


@dataclass
class _SpaceRow:
    line: int
    office_key: str
    values: dict[str, Any]
    instance: Space | None = None


@dataclass
class ImportPlan:
    """What the file would do: counts, and every row's errors (nothing is written if any)."""

    rows: int = 0
    offices_new: int = 0
    offices_changed: int = 0
    spaces_new: int = 0
    spaces_changed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    digest: str = ""
    _offices: dict[str, _OfficeRow] = field(default_factory=dict, repr=False)
    _spaces: list[_SpaceRow] = field(default_factory=list, repr=False)

    @property
    def error_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})


def offices_csv_decode(data: bytes) -> str:
    """The file's text: UTF-8 (BOM or not), else Shift_JIS (cp932); `invalid_csv` if neither."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("invalid_csv", _("The file is neither UTF-8 nor Shift_JIS text."))


def _bool(text: str, default: bool = True) -> bool | None:
    value = text.strip().lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    return None


def _day(text: str) -> list[str] | None:
    value = text.strip()
    if value.lower() in CLOSED:
        return None
    if value.lower() in ALL_DAY or not value:
        return ["00:00", "24:00"]
    match = SPAN.match(value)
    if match is None:
        raise ValueError(_("Give a day as 08:00-22:00, 24h or closed."))
    return [part.zfill(5) for part in match.groups()]


def _list(text: str, *, rule: bool = False) -> list[str]:
    items = [item.strip() for item in re.split(r"[|;、]", text) if item.strip()]
    if rule and any(not RULE.match(item) for item in items):
        raise ValueError(_("Give rule keys such as phone_booth|locker (a-z, 0-9, _)."))
    return items


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text.strip())
    except ValueError:
        raise ValueError(_("Give a number.")) from None


def _office_values(row: dict[str, str], add: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row["office_name"].strip(),
        "address": row["address"].strip(),
        "timezone": row["timezone"].strip() or "Asia/Tokyo",
        "help_desk_phone": row["help_desk_phone"].strip(),
    }
    for column, name, kind in (
        ("lat", "lat", float),
        ("lng", "lng", float),
        ("unit_minutes", "unit_minutes", int),
        ("step_minutes", "step_minutes", int),
        ("max_stay_minutes", "max_stay_minutes", int),
        ("extension_window_minutes", "extension_window_minutes", int),
    ):
        text = row[column]
        if not text.strip():
            default = Office._meta.get_field(name).get_default()  # type: ignore[union-attr]
            if column not in ("lat", "lng"):  # required: reported by the caller
                values[name] = default
            continue
        try:
            values[name] = _number(text, kind)
        except ValueError as exc:
            add(column, str(exc))
    opening: dict[str, list[str] | None] = {}
    for day in DAY_COLUMNS:
        try:
            opening[day] = _day(row[day])
        except ValueError as exc:
            add(day, str(exc))
    step, longest = values.get("step_minutes"), values.get("max_stay_minutes")
    if step and longest and longest < step:
        add("step_minutes", _("The step must be positive and fit in a stay."))
    values["opening_hours"] = opening
    values["closed_dates"] = _list(row["closed_dates"])
    for column in ("rules_allowed", "rules_forbidden"):
        try:
            values[column] = _list(row[column], rule=True)
        except ValueError as exc:
            add(column, str(exc))
    active = _bool(row["office_active"])
    if active is None:
        add("office_active", _("Give 1 or 0."))
    values["is_active"] = bool(active)
    return values


def _space_values(row: dict[str, str], add: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row["space_name"].strip(),
        "seat_type": row["seat_type"].strip(),
    }
    if values["seat_type"] and values["seat_type"] not in SeatType.values:
        add("seat_type", _("Give one of: %(types)s.") % {"types": ", ".join(SeatType.values)})
    try:
        values["quota"] = _number(row["quota"], int) if row["quota"].strip() else None
    except ValueError as exc:
        add("quota", str(exc))
    active = _bool(row["space_active"])
    if active is None:
        add("space_active", _("Give 1 or 0."))
    values["is_active"] = bool(active)
    return values


def _model_errors(instance: Any, exclude: Sequence[str], add: Any, columns: dict[str, str]) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                add(columns.get(name, name), message)


OFFICE_COLUMN_OF = {
    "name": "office_name",
    "opening_hours": "mon",
    "is_active": "office_active",
}
SPACE_COLUMN_OF = {"name": "space_name", "is_active": "space_active"}


def offices_csv_plan(*, operator: Operator, text: str) -> ImportPlan:
    """The dry run: parse and check every row against the operator's offices; write nothing."""
    plan = ImportPlan(digest=hashlib.sha256(text.encode()).hexdigest())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        plan.errors.append(
            RowError(1, missing[0], _("Missing columns: %(c)s") % {"c": ", ".join(missing)})
        )
        return plan
    reader.fieldnames = header
    offices = {o.pk: o for o in Office.objects.filter(operator=operator)}
    spaces = {s.pk: s for s in Space.objects.filter(office__operator=operator)}
    seen_spaces: set[int] = set()
    for line_number, raw in enumerate(reader, start=2):
        if plan.rows >= MAX_ROWS:
            plan.errors.append(RowError(line_number, "", _("Too many rows.")))
            break
        if raw.get(None):  # cells beyond the header
            plan.errors.append(RowError(line_number, "", _("More cells than columns.")))
            continue
        row = {column: (raw.get(column) or "") for column in COLUMNS}
        if not any(value.strip() for value in row.values()):
            continue  # a blank line Excel left
        plan.rows += 1
        _plan_row(plan, operator, line_number, row, offices, spaces, seen_spaces)
    _count(plan)
    return plan


def _plan_row(
    plan: ImportPlan,
    operator: Operator,
    line: int,
    row: dict[str, str],
    offices: dict[int, Office],
    spaces: dict[int, Space],
    seen_spaces: set[int],
) -> None:
    errors: list[RowError] = []

    def add(column: str, message: str) -> None:
        errors.append(RowError(line, column, str(message)))

    for column in REQUIRED:
        if not row[column].strip():
            add(column, _("Required."))
    office_id, space_id = row["office_id"].strip(), row["space_id"].strip()
    office_key = f"id:{office_id}" if office_id else f"name:{row['office_name'].strip()}"
    existing_office = None
    if office_id:
        existing_office = offices.get(int(office_id)) if office_id.isdigit() else None
        if existing_office is None:
            add("office_id", _("No office of this operator has this id."))
    office_values = _office_values(row, add)
    known = plan._offices.get(office_key)
    if known is not None and known.values != office_values:
        differ = _("This office's columns differ from its row %(l)s.") % {"l": known.line}
        add("office_name", differ)
    space_values = _space_values(row, add)
    existing_space = None
    if space_id:
        existing_space = spaces.get(int(space_id)) if space_id.isdigit() else None
        if existing_space is None or (
            existing_office is not None and existing_space.office_id != existing_office.pk
        ):
            add("space_id", _("No space of this office has this id."))
        elif existing_space.pk in seen_spaces:
            add("space_id", _("This space is on another row too."))
        else:
            seen_spaces.add(existing_space.pk)
    if not errors:
        office = Office(operator=operator, **office_values)
        if known is None:
            _model_errors(office, ["operator"], add, OFFICE_COLUMN_OF)
        space = Space(office=existing_office or office, **space_values)
        _model_errors(space, ["office", "seat_image", "lock_settings"], add, SPACE_COLUMN_OF)
        quota = space_values.get("quota")
        if existing_space is not None and quota is not None and quota < existing_space.in_use:
            add("quota", _("Fewer seats than are in use now."))
    if errors:
        plan.errors.extend(errors)
        return
    if known is None:
        known = _OfficeRow(line, office_key, office_values, existing_office)
        plan._offices[office_key] = known
    plan._spaces.append(_SpaceRow(line, office_key, space_values, existing_space))


def _changed(instance: Any, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(instance, name) != value]


def _count(plan: ImportPlan) -> None:
    for office in plan._offices.values():
        if office.instance is None:
            plan.offices_new += 1
        elif _changed(office.instance, office.values):
            plan.offices_changed += 1
        else:
            plan.unchanged += 1
    for space in plan._spaces:
        if space.instance is None:
            plan.spaces_new += 1
        elif _changed(space.instance, space.values):
            plan.spaces_changed += 1
        else:
            plan.unchanged += 1


def offices_csv_apply(*, actor: User, operator: Operator, text: str) -> ImportPlan:
    """Check the file again and write all of it in one transaction, or nothing
    (`invalid_csv` with the plan's errors)."""
    with transaction.atomic():
        # One import per operator at a time: the plan is made against the rows it writes.
        Operator.objects.select_for_update().filter(pk=operator.pk).first()
        plan = offices_csv_plan(operator=operator, text=text)
        if plan.errors or not plan.rows:
            raise DomainError("invalid_csv", errors=len(plan.errors))
        saved: dict[str, Office] = {}
        for key, row in plan._offices.items():
            saved[key] = _save_office(actor, operator, row)
        for space_row in plan._spaces:
            _save_space(actor, saved[space_row.office_key], space_row)
        audit(
            actor=actor,
            action=AuditAction.OFFICES_IMPORT,
            target=operator,
            rows=plan.rows,
            offices_new=plan.offices_new,
            offices_changed=plan.offices_changed,
            spaces_new=plan.spaces_new,
            spaces_changed=plan.spaces_changed,
            sha256=plan.digest,
        )
    return plan


def _save_office(actor: User, operator: Operator, row: _OfficeRow) -> Office:
    if row.instance is None:
        office = Office.objects.create(operator=operator, **row.values)
        audit(actor=actor, action=AuditAction.OFFICE_CREATE, target=office, via="csv")
        return office
    office = row.instance
    changed = _changed(office, row.values)
    if changed:
        for name in changed:
            setattr(office, name, row.values[name])
        office.save(update_fields=changed)
        audit(actor=actor, action=AuditAction.OFFICE_UPDATE, target=office, fields=changed)
    return office


def _save_space(actor: User, office: Office, row: _SpaceRow) -> None:
    if row.instance is None:
        space = Space.objects.create(office=office, **row.values)
        audit(actor=actor, action=AuditAction.SPACE_CREATE, target=space, via="csv")
        return
    space = Space.objects.select_for_update().get(pk=row.instance.pk)
    changed = _changed(space, row.values)
    if not changed:
        return
    if "quota" in changed and row.values["quota"] < space.in_use:
        raise DomainError("invalid_input", field="quota")  # seats taken since the plan
    for name in changed:
        setattr(space, name, row.values[name])
    space.save(update_fields=changed)
    audit(actor=actor, action=AuditAction.SPACE_UPDATE, target=space, fields=changed)


def _day_text(span: Any) -> str:
    if span is None:
        return "closed"
    if list(span) == ["00:00", "24:00"]:
        return "24h"
    return f"{span[0]}-{span[1]}"


def offices_csv_rows(offices: Iterable[Office]) -> Iterable[list[Any]]:
    """The export: the import's columns, one row per space (an office without spaces: one row
    with blank space columns, which the import refuses until a space is named)."""
    for office in offices:
        office_cells = [
            office.pk,
            office.name,
            office.address,
            office.lat,
            office.lng,
            office.timezone,
            *(_day_text(office.opening_hours.get(day)) for day in DAY_COLUMNS),
            "|".join(office.closed_dates),
            office.unit_minutes,
            office.step_minutes,
            office.max_stay_minutes,
            office.extension_window_minutes,
            office.help_desk_phone,
            "|".join(office.rules_allowed),
            "|".join(office.rules_forbidden),
            int(office.is_active),
        ]
        spaces = sorted(office.spaces.all(), key=lambda s: s.pk)
        if not spaces:
            yield [*office_cells, "", "", "", "", ""]
        for space in spaces:
            yield [
                *office_cells,
                space.pk,
                space.name,
                space.seat_type,
                space.quota,
                int(space.is_active),
            ]
