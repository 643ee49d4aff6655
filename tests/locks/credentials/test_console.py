"""A revoke the vendor has not confirmed shows on the space's console page until it is."""

from datetime import UTC, datetime

import pytest
import time_machine

from officepass.accounts.models import User
from officepass.locks.credentials import lock_credential_command_send
from officepass.locks.models import LockCommand
from officepass.stays.services import stay_check_in, stay_checkout
from tests import factories as f

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=False)
def test_a_stuck_revoke_is_listed_for_the_operators_staff_only(client):
    office = f.office()
    space = f.space(office, lock_settings={"mode": "normal", "credentials": True})
    stay = stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)
    issue = LockCommand.objects.get(stay=stay, purpose="cred_issue")
    lock_credential_command_send(command_id=issue.pk)
    stay_checkout(member=stay.member, stay_id=stay.pk, unlock=False)
    space.lock_settings = {"mode": "offline", "credentials": True}
    space.save(update_fields=["lock_settings"])
    revoke = LockCommand.objects.get(stay=stay, purpose="cred_revoke")
    assert lock_credential_command_send(command_id=revoke.pk).status == "failed"
    staff = User.objects.create_user("s@example.com", f.PASSWORD, operator=office.operator)
    client.force_login(staff)
    page = client.get(f"/console/spaces/{space.pk}/").content.decode()
    assert 'id="credentials-attention"' in page and f"/console/stays/{stay.pk}/" in page
    assert "offline" in page
    other = f.office("Other")
    outsider = User.objects.create_user("o@example.com", f.PASSWORD, operator=other.operator)
    client.force_login(outsider)
    assert client.get(f"/console/spaces/{space.pk}/").status_code == 404
