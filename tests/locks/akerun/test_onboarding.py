"""The operator connects Akerun from the console: authorize redirect, signed state, callback."""

from urllib.parse import parse_qs, urlsplit

import pytest

from officepass.accounts.models import User
from officepass.core.models import AuditEntry
from officepass.locks.models import LockCloudAccount
from officepass.offices.models import Operator
from tests import factories as f
from tests.locks.akerun.conftest import CLIENT_ID

pytestmark = pytest.mark.django_db
CALLBACK = "http://testserver/console/locks/akerun/callback/"


def staff(email: str) -> User:
    operator = Operator.objects.create(name=f"Op {email}")
    return User.objects.create_user(email, f.PASSWORD, operator=operator)


def start(client, user: User) -> dict[str, str]:
    client.force_login(user)
    response = client.post("/console/locks/akerun/connect/", {"name": "hq"})
    assert response.status_code == 302
    sent = urlsplit(response["Location"])
    assert sent.path == "/oauth/authorize"
    return {k: v[0] for k, v in parse_qs(sent.query).items()}


def test_the_operator_connects_an_account_and_it_is_audited(client, akerun):
    user = staff("s@example.com")
    query = start(client, user)
    assert (query["client_id"], query["redirect_uri"], query["response_type"]) == (
        CLIENT_ID,
        CALLBACK,
        "code",
    )
    code = akerun.issue_code(CALLBACK)
    back = client.get("/console/locks/akerun/callback/", {"code": code, "state": query["state"]})
    assert back.status_code == 302
    account = LockCloudAccount.objects.get(vendor="akerun", name="hq")
    assert account.operator_id == user.operator_id
    assert AuditEntry.objects.filter(action="lock.cloud_account_connected").count() == 1
    assert "hq" in client.get("/console/locks/accounts/").content.decode()


def test_a_state_started_by_someone_else_is_refused(client, akerun):
    query = start(client, staff("a@example.com"))
    client.force_login(staff("b@example.com"))
    code = akerun.issue_code(CALLBACK)
    page = client.get("/console/locks/akerun/callback/", {"code": code, "state": query["state"]})
    assert 'id="account-error"' in page.content.decode()
    assert not LockCloudAccount.objects.exists()
    assert akerun.grants == []


def test_another_operators_accounts_are_not_listed(client, akerun):
    query = start(client, staff("a@example.com"))
    code = akerun.issue_code(CALLBACK)
    client.get("/console/locks/akerun/callback/", {"code": code, "state": query["state"]})
    client.force_login(staff("b@example.com"))
    assert "<code>hq</code>" not in client.get("/console/locks/accounts/").content.decode()
