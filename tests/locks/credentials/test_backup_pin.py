"""The backup PIN service and page: own running stay only, offered after a failed unlock,
every on-screen reveal audited, the offline copy audited once, never on a command lock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.locks.credentials import DEVICE, SCREEN, lock_credential_backup_pin
from officepass.stays.services import stay_check_in, stay_checkout, stay_unlock
from tests import factories as f

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def stay(frozen, django_capture_on_commit_callbacks):
    space = f.space(lock_settings={"mode": "jammed", "credentials": True})
    with django_capture_on_commit_callbacks(execute=True):
        return stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)


def reveals(to: str) -> int:
    return AuditEntry.objects.filter(action="lock.backup_pin_revealed", data__to=to).count()


def test_it_reveals_the_members_own_pin_and_audits_each_reveal(stay):
    pin = lock_credential_backup_pin(member=stay.member, stay_id=stay.pk, to=SCREEN).pin
    lock_credential_backup_pin(member=stay.member, stay_id=stay.pk, to=SCREEN)
    lock_credential_backup_pin(member=stay.member, stay_id=stay.pk, to=DEVICE)
    assert pin == stay.lock_credential.pin and len(pin) == 6
    assert (reveals(SCREEN), reveals(DEVICE)) == (2, 0)  # the device got it after a reveal
    entries = AuditEntry.objects.filter(action="lock.backup_pin_revealed")
    assert all(pin not in str(e.data) for e in entries)


def test_another_member_gets_not_found(stay):
    with pytest.raises(DomainError) as refused:
        lock_credential_backup_pin(member=f.member("x@example.com"), stay_id=stay.pk, to=SCREEN)
    assert refused.value.code == "not_found"


def test_no_pin_after_checkout_or_past_the_deadline(stay, frozen):
    frozen.move_to(stay.deadline + timedelta(seconds=1))
    with pytest.raises(DomainError) as late:
        lock_credential_backup_pin(member=stay.member, stay_id=stay.pk, to=SCREEN)
    assert late.value.code == "backup_pin_unavailable"
    frozen.move_to(MORNING)
    stay_checkout(member=stay.member, stay_id=stay.pk, unlock=False)
    with pytest.raises(DomainError) as ended:
        lock_credential_backup_pin(member=stay.member, stay_id=stay.pk, to=SCREEN)
    assert ended.value.code == "backup_pin_unavailable"


def test_the_stay_page_keeps_the_pin_for_offline_and_offers_it_after_a_failed_unlock(stay, client):
    client.force_login(stay.member)
    page = client.get(f"/stays/{stay.pk}").content.decode()
    assert f'data-backup-pin="{stay.lock_credential.pin}"' in page
    assert 'id="backup-pin-button"' not in page
    assert (reveals(DEVICE), reveals(SCREEN)) == (1, 0)
    with pytest.raises(DomainError):
        stay_unlock(member=stay.member, stay_id=stay.pk)  # jammed
    assert 'id="backup-pin-button"' in client.get(f"/stays/{stay.pk}").content.decode()
    shown = client.post(f"/stays/{stay.pk}/backup-pin").content.decode()
    assert f'id="backup-pin-value">{stay.lock_credential.pin}<' in shown
    assert reveals(SCREEN) == 1


def test_a_stranger_posting_for_the_pin_gets_404(stay, client):
    client.force_login(f.member("y@example.com"))
    assert client.post(f"/stays/{stay.pk}/backup-pin").status_code == 404


def test_a_command_lock_has_no_backup_pin(frozen, client):
    space = f.space(lock_settings={"mode": "jammed"})
    stay = stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)
    client.force_login(stay.member)
    assert "data-backup-pin" not in client.get(f"/stays/{stay.pk}").content.decode()
