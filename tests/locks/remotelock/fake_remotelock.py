"""A local RemoteLOCK cloud: real sockets, the vendor's OAuth, media type and JSON shapes.

Written from the vendor's API reference (connect.remotelock.com/api/docs), independently of the
driver: the token endpoint takes a form-encoded client-credentials grant and answers a bearer
token with `expires_in`; every API call must carry a live bearer token and the
`vnd.lockstate` media type; access guests' `starts_at` / `ends_at` are local times without an
offset; a PIN already taken is 422; deleting a guest that is gone is 404.

`script` is a list of answers for the next API calls (an HTTP status, or "hang"), used up in
order, after which the cloud behaves normally. `expire_tokens()` kills every token issued.
"""

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.locks.fake_http import FakeHttpServer
from tests.locks.fake_json import JsonHandler

LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
PIN = re.compile(r"^\d{4,8}$")


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    authorized: bool


@dataclass
class Device:
    connected: bool = True
    state: str = "locked"
    jammed: bool = False


@dataclass
class FakeRemoteLock(FakeHttpServer):
    client_id: str
    client_secret: str
    expires_in: int = 7200
    devices: dict[str, Device] = field(default_factory=lambda: {"lock-1": Device()})
    door_groups: set[str] = field(default_factory=lambda: {"group-1"})
    guests: dict[str, dict[str, Any]] = field(default_factory=dict)
    accesses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    token_grants: int = 0
    script: list[Any] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.base_url

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def api_calls(self, method: str = "", prefix: str = "/") -> list[Call]:
        return [
            c
            for c in self.calls
            if c.path.startswith(prefix) and (not method or c.method == method)
        ]


class _Handler(JsonHandler):
    content_type = "application/vnd.lockstate.v1+json"
    fake: FakeRemoteLock

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length) if length else b""
        if self.path == "/oauth/token":
            return self._token(raw)
        authorized = self._authorized()
        body = json.loads(raw) if raw else None
        headers = dict(self.headers.items())
        with self.fake.lock:
            self.fake.calls.append(Call(self.command, self.path, headers, body, authorized))
            scripted = self.fake.script.pop(0) if authorized and self.fake.script else None
        if not authorized:
            return self._send(401, {"error": "invalid_token"})
        if "vnd.lockstate" not in self.headers.get("Accept", ""):
            return self._send(406, {"errors": [{"title": "not acceptable"}]})
        if scripted == "hang":
            self.fake.release.wait(10)
            return None
        if scripted is not None:
            headers_429 = {"X-RateLimit-Reset": "1893456000"} if scripted == 429 else {}
            return self._send(int(scripted), {"errors": [{"title": "scripted"}]}, headers_429)
        with self.fake.lock:
            return self._route(body)

    def _token(self, raw: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        fake = self.fake
        good = (
            form.get("grant_type") == "client_credentials"
            and form.get("client_id") == fake.client_id
            and form.get("client_secret") == fake.client_secret
        )
        if not good:
            return self._send(401, {"error": "invalid_client"})
        token = uuid.uuid4().hex
        fake.tokens.add(token)
        fake.token_grants += 1
        answer = {"access_token": token, "token_type": "bearer", "expires_in": fake.expires_in}
        return self._send(200, {**answer, "created_at": 1764547200})

    def _authorized(self) -> bool:
        value = self.headers.get("Authorization", "")
        return value.startswith("Bearer ") and value[7:] in self.fake.tokens

    def _route(self, body: Any) -> None:
        parts = self.path.strip("/").split("/")
        if parts[0] == "devices" and len(parts) >= 2:
            return self._device(parts[1], parts[2] if len(parts) > 2 else "")
        if parts[0] == "access_persons":
            if len(parts) == 1 and self.command == "POST":
                return self._create(body or {})
            if len(parts) == 3 and parts[2] == "accesses" and self.command == "POST":
                return self._grant(parts[1], body or {})
            if len(parts) == 2:
                return self._person(parts[1], body or {})
        return self._send(404, {"errors": [{"title": "not found"}]})

    def _create(self, body: dict[str, Any]) -> None:
        attributes = body.get("attributes") or {}
        problem = _guest_problem(body.get("type"), attributes)
        if problem:
            return self._send(422, {"errors": [{"title": problem}]})
        if any(g["pin"] == attributes["pin"] for g in self.fake.guests.values()):
            return self._send(422, {"errors": [{"title": "pin has already been taken"}]})
        guest_id = str(uuid.uuid4())
        self.fake.guests[guest_id] = dict(attributes)
        return self._send(201, {"data": _guest(guest_id, self.fake.guests[guest_id])})

    def _grant(self, guest_id: str, body: dict[str, Any]) -> None:
        attributes = body.get("attributes") or {}
        kind, target = attributes.get("accessible_type"), attributes.get("accessible_id")
        known = (kind == "lock" and target in self.fake.devices) or (
            kind == "door_group" and target in self.fake.door_groups
        )
        if guest_id not in self.fake.guests:
            return self._send(404, {"errors": [{"title": "not found"}]})
        if not known:
            return self._send(422, {"errors": [{"title": "accessible is invalid"}]})
        self.fake.accesses.setdefault(guest_id, []).append(dict(attributes))
        access = {"type": "access_person_access", "id": str(uuid.uuid4())}
        return self._send(201, {"data": {**access, "attributes": attributes}})

    def _person(self, guest_id: str, body: dict[str, Any]) -> None:
        guest = self.fake.guests.get(guest_id)
        if guest is None:
            return self._send(404, {"errors": [{"title": "not found"}]})
        if self.command == "DELETE":
            del self.fake.guests[guest_id]
            return self._send(204, None)
        if self.command == "PUT":
            changed = {**guest, **(body.get("attributes") or {})}
            problem = _guest_problem("access_guest", changed)
            if problem:
                return self._send(422, {"errors": [{"title": problem}]})
            guest.update(changed)
        return self._send(200, {"data": _guest(guest_id, guest)})

    def _device(self, device_id: str, action: str) -> None:
        device = self.fake.devices.get(device_id)
        if device is None:
            return self._send(404, {"errors": [{"title": "not found"}]})
        if action == "unlock" and self.command == "PUT":
            if not device.connected:
                return self._send(422, {"errors": [{"title": "Device is not connected"}]})
            if device.jammed:
                return self._send(422, {"errors": [{"title": "Lock is jammed"}]})
            device.state = "unlocked"
        attributes = {"connected": device.connected, "state": device.state, "power_level": 80}
        return self._send(
            200, {"data": {"type": "lock", "id": device_id, "attributes": attributes}}
        )


def _guest_problem(kind: Any, attributes: dict[str, Any]) -> str:
    if kind != "access_guest":
        return "type must be access_guest"
    starts, ends = attributes.get("starts_at", ""), attributes.get("ends_at", "")
    if not (LOCAL_TIME.match(str(starts)) and LOCAL_TIME.match(str(ends))):
        return "starts_at / ends_at must be local times without an offset"
    if datetime.fromisoformat(ends) <= datetime.fromisoformat(starts):
        return "ends_at must be after starts_at"
    if not PIN.match(str(attributes.get("pin", ""))):
        return "pin must be 4 to 8 digits"
    if not attributes.get("name"):
        return "name can't be blank"
    return ""


def _guest(guest_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "access_guest", "id": guest_id, "attributes": dict(attributes)}


FakeRemoteLock.handler = _Handler
