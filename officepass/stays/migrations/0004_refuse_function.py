"""On PostgreSQL, `officepass_refuse(reason)`: raises, so that a check-in sent as one statement
outside a transaction undoes its own earlier steps when a later guard refuses (issue 18,
stays/one_statement.py). SQLite never sends that statement."""

from typing import Any

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION officepass_refuse(reason text) RETURNS integer AS $$
BEGIN
    RAISE EXCEPTION 'officepass_refused: %', reason USING ERRCODE = 'P0001';
END;
$$ LANGUAGE plpgsql VOLATILE;
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS officepass_refuse(text)")


class Migration(migrations.Migration):
    dependencies = [("stays", "0003_stay_tickets_refunded")]

    operations = [migrations.RunPython(forwards, backwards)]
