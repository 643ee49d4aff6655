"""On PostgreSQL the database itself refuses UPDATE and DELETE on the money ledger and its
issued documents (SQLite relies on the models' guard; TRUNCATE, used only by test flushes,
is not refused)."""

from typing import Any

from django.db import migrations

TABLES = (
    "invoices_moneyentry",
    "invoices_receipt",
    "invoices_returninvoice",
    "invoices_companyinvoice",
    "invoices_companyinvoicepayment",
    "invoices_companyticketrate",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION invoices_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append_only: % rows are never updated or deleted', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION invoices_append_only()"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS invoices_append_only()")


class Migration(migrations.Migration):
    dependencies = [("invoices", "0001_money_ledger_and_documents")]

    operations = [migrations.RunPython(forwards, backwards)]
