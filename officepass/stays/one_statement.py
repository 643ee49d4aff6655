"""A check-in's writes as one SQL statement on PostgreSQL (issue 18).

The generic path (`services._check_in_steps`) sends six statements inside the check-in
transaction: the guarded seat claim, the stay, the guarded ticket debit, the ledger entry, the
change-log row and the audit row. Here they are one statement of data-modifying CTEs, each
step running only if the one before it did, in the same transaction (`services._check_in`
wraps both): one round trip instead of six, and none of Django's per-INSERT work. The guards
are the same text (`CLAIM_GUARD`, `DEBIT_GUARD`): the control tests take them out and show
the races breaking the invariants again.

Each row's columns and values come from the model, as `core.prepared.insert` builds them
(field defaults, `pre_save`, `get_db_prep_save`), so a field added to a model is written here
too; only the ids a later row takes from an earlier one are SQL (`stay.id`, `debit.balance`).
`post_save` is sent for each row afterwards, as `insert` does (the stream hubs' nudge hangs on
the change-log row's).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Model, signals

from officepass.core.models import AuditEntry
from officepass.core.prepared import insert_fields, save_values
from officepass.offices.models import Space
from officepass.stays.models import AvailabilityChange, Stay
from officepass.tickets.models import LedgerEntry, TicketAccount

# The guards, as SQL conditions (tests replace them with "TRUE" for their controls).
CLAIM_GUARD = "in_use < quota"
DEBIT_GUARD = "(postpaid OR balance >= %s)"
# A seat claimed and a stay written but no tickets debited: the statement raises, so that it
# undoes its own steps even when it runs alone, outside a transaction (the migration
# stays/0004 defines the function). The control test replaces it with "NULL".
REFUSE_UNDEBITED = (
    "CASE WHEN EXISTS (SELECT 1 FROM claim) AND NOT EXISTS (SELECT 1 FROM debit) "
    "THEN officepass_refuse('not_debited') END"
)
REFUSED_MESSAGE = "officepass_refused: not_debited"

_sql: dict[tuple[str, str, str], tuple[str, list[list[Any]]]] = {}


def _insert_from(model: type[Model], source: str, taken: dict[str, str]) -> tuple[str, list[Any]]:
    """`INSERT … SELECT … FROM source`: parameters for every column but the `taken` ones, whose
    values are SQL over the earlier steps."""
    quote = connection.ops.quote_name
    columns, values, fields = [], [], []
    for field in insert_fields(model):
        columns.append(quote(str(field.column)))
        if field.column in taken:
            values.append(taken[field.column])
        else:
            values.append("%s")
            fields.append(field)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source} RETURNING id"
    )
    return sql, fields


def _statement() -> tuple[str, list[list[Any]]]:
    key = (CLAIM_GUARD, DEBIT_GUARD, REFUSE_UNDEBITED)
    if key not in _sql:
        stay, stay_fields = _insert_from(Stay, "claim", {})
        entry, entry_fields = _insert_from(
            LedgerEntry, "stay, debit", {"stay_id": "stay.id", "balance_after": "debit.balance"}
        )
        change, change_fields = _insert_from(AvailabilityChange, "stay, debit", {})
        audit, audit_fields = _insert_from(
            AuditEntry, "stay, debit", {"target_id": "stay.id::text"}
        )
        space, account = Space._meta.db_table, TicketAccount._meta.db_table
        sql = (
            f"WITH claim AS (UPDATE {space} SET in_use = in_use + 1 "  # noqa: S608
            f"WHERE id = %s AND {CLAIM_GUARD} RETURNING id), "
            f"stay AS ({stay}), "
            f"debit AS (UPDATE {account} SET balance = balance - %s "
            f"WHERE member_id = %s AND {DEBIT_GUARD} AND EXISTS (SELECT 1 FROM stay) "
            "RETURNING balance), "
            f"entry AS ({entry}), change AS ({change}), audit AS ({audit}) "
            "SELECT (SELECT id FROM claim), (SELECT id FROM stay), (SELECT balance FROM debit), "
            "(SELECT id FROM entry), (SELECT id FROM change), (SELECT id FROM audit), "
            f"{REFUSE_UNDEBITED}"
        )
        _sql[key] = (sql, [stay_fields, entry_fields, change_fields, audit_fields])
    return _sql[key]


def _values(obj: Model, fields: Sequence[Any]) -> list[Any]:
    if signals.pre_save.has_listeners(type(obj)):
        signals.pre_save.send(
            sender=type(obj), instance=obj, raw=False, using=connection.alias, update_fields=None
        )
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    return save_values(obj, fields)


class SeatTaken(Exception):
    """The guarded claim found no free seat: nothing was written."""


class NotDebited(Exception):
    """The seat was claimed but the debit refused (or the account is missing): the statement
    raised, so nothing it did stays (a caller's transaction must roll back too), and the
    generic path gives the precise answer."""


def check_in_writes(
    stay: Stay, entry: LedgerEntry, change: AvailabilityChange, audit: AuditEntry, tickets: int
) -> None:
    """Claim the seat, write the stay, debit `tickets`, write the ledger entry, the change-log
    row and the audit row, in one statement: inside the caller's transaction, or alone in
    autocommit (one statement is one transaction). Sets the rows' ids (and the entry's
    balance); raises SeatTaken or NotDebited when a guard refused, having written nothing."""
    sql, (stay_fields, entry_fields, change_fields, audit_fields) = _statement()
    params = [
        stay.space_id,
        *_values(stay, stay_fields),
        tickets,
        stay.member_id,
        *([tickets] if "%s" in DEBIT_GUARD else []),
        *_values(entry, entry_fields),
        *_values(change, change_fields),
        *_values(audit, audit_fields),
    ]
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            claimed, stay_id, balance, entry_id, change_id, audit_id, _ = cursor.fetchone()
    except DatabaseError as exc:
        if REFUSED_MESSAGE in str(exc):
            raise NotDebited from None
        raise
    if claimed is None:
        raise SeatTaken
    if balance is None:
        raise NotDebited
    stay.pk, entry.pk, change.pk, audit.pk = stay_id, entry_id, change_id, audit_id
    entry.stay, entry.balance_after, audit.target_id = stay, balance, str(stay_id)
    for obj in (stay, entry, change, audit):
        obj._state.adding = False
        obj._state.db = connection.alias
        if signals.post_save.has_listeners(type(obj)):
            signals.post_save.send(
                sender=type(obj),
                instance=obj,
                created=True,
                update_fields=None,
                raw=False,
                using=connection.alias,
            )
