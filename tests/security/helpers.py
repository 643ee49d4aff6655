"""Small HTTP helpers shared by the security tests."""

import json
from typing import Any

from django.test import Client

from officepass.accounts.models import User
from tests import factories as f


def sign_in(client: Client, email: str, password: str = f.PASSWORD, ip: str = "127.0.0.1") -> Any:
    return client.post(
        "/api/v1/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def bearer(client: Client, user: User) -> dict[str, Any]:
    response = sign_in(client, user.email)
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def send(client: Client, method: str, path: str, body: Any = None, **headers: Any) -> Any:
    data = json.dumps(body) if body is not None else ""
    return client.generic(method, path, data, content_type="application/json", **headers)
