"""Audit rows keep who acted whatever happens to the account: an account with audit rows
cannot be deleted (deactivate it), and the actor's e-mail as it was then stays on the row."""

import importlib

import pytest
from django.apps import apps
from django.db.models import ProtectedError
from django.test import Client

from officepass.accounts.models import User
from officepass.core.models import AuditEntry
from officepass.offices.services import space_code_reissue
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_acted() -> tuple[User, AuditEntry]:
    space = f.space()
    staff = User.objects.create_user("op@x.jp", f.PASSWORD, operator=space.office.operator)
    space_code_reissue(actor=staff, space=space)
    return staff, AuditEntry.objects.get(action="space.code_reissue")


def test_deleting_a_staff_account_that_acted_is_refused_and_the_row_keeps_it(
    staff_acted,
) -> None:
    staff, row = staff_acted
    with pytest.raises(ProtectedError):
        staff.delete()
    row.refresh_from_db()
    assert (row.actor_id, row.actor_label) == (staff.pk, "op@x.jp")


def test_the_row_keeps_the_email_the_actor_had_then(client: Client, staff_acted) -> None:
    staff, row = staff_acted
    User.objects.filter(pk=staff.pk).update(email="renamed@x.jp", is_active=False)
    row.refresh_from_db()
    assert (row.actor_id, row.actor_label) == (staff.pk, "op@x.jp")
    client.force_login(User.objects.create_user("sec@x.jp", f.PASSWORD, is_staff=True))
    page = client.get("/console/audit/?actor=op@x.jp").content.decode()
    assert "space.code_reissue" in page and "op@x.jp" in page


def test_system_rows_have_no_actor_and_no_label() -> None:
    from officepass.core.audit import AuditAction, audit

    row = audit(actor=None, action=AuditAction.LOCK_ONLINE, target=f.space())
    assert (row.actor_id, row.actor_label) == (None, "")


def test_the_data_migration_labels_rows_written_before_the_label(staff_acted) -> None:
    _, row = staff_acted
    AuditEntry.objects.filter(pk=row.pk).update(actor_label="")
    migration = importlib.import_module("officepass.core.migrations.0002_audit_actor_kept")
    migration.label_existing_rows(apps, None)
    row.refresh_from_db()
    assert row.actor_label == "op@x.jp"
