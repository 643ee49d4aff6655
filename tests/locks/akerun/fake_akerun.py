"""A local Akerun API v3: OAuth authorization code with rotating refresh tokens, unlock jobs,
the access history, the documented refusals.

Written from developers.akerun.com, independently of the driver: the token endpoint takes
form-encoded grants (authorization_code with an https redirect_uri that matches the one the
code was issued for; refresh_token, which is rotated: the old one stops working); every API
call needs a live bearer token; a second unlock while a job runs is refused (409); a finished
job appears in `GET /v3/organizations/{org}/accesses` as an `unlock` entry. `script` holds the
answers for the next API calls (an HTTP status, or "hang"); None lets one call through.
"""

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.locks.fake_http import FakeHttpServer
from tests.locks.fake_json import JsonHandler


@dataclass
class Call:
    method: str
    path: str
    authorized: bool


@dataclass
class FakeAkerun(FakeHttpServer):
    client_id: str
    client_secret: str
    organization: str = "O-ORG-1"
    akeruns: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"A-1": {"name": "Door", "battery_percentage": 76}}
    )
    codes: dict[str, str] = field(default_factory=dict)  # code → redirect_uri
    tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    grants: list[str] = field(default_factory=list)
    job_running: bool = False
    keep_jobs_running: bool = False
    history: bool = True
    accesses: list[dict[str, Any]] = field(default_factory=list)
    script: list[Any] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    # > 0: a refresh waits up to this long for a second token request, so two refreshes at
    # once (the race the driver guards against) overlap here instead of running one by one.
    hold_refresh_seconds: float = 0.0
    refresh_arrived: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return self.base_url

    def issue_code(self, redirect_uri: str) -> str:
        code = uuid.uuid4().hex
        self.codes[code] = redirect_uri
        return code

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def unlock_jobs(self) -> list[Call]:
        return [c for c in self.calls if c.path.endswith("/jobs/unlock")]


class _Handler(JsonHandler):
    fake: FakeAkerun

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path == "/oauth/token" and self.command == "POST":
            return self._token({k: v[0] for k, v in parse_qs(raw.decode()).items()})
        header = self.headers.get("Authorization", "")
        authorized = header.startswith("Bearer ") and header[7:] in self.fake.tokens
        self.fake.calls.append(Call(self.command, path, authorized))
        if not authorized:
            return self._send(401, {"errors": ["invalid_token"]})
        scripted = self.fake.script.pop(0) if self.fake.script else None
        if scripted == "hang":
            self.fake.release.wait(10)
            return None
        if scripted is not None:
            return self._send(int(scripted), {"errors": ["scripted"]})
        return self._route(path.strip("/").split("/"))

    def _token(self, form: dict[str, str]) -> None:
        fake = self.fake
        if (form.get("client_id"), form.get("client_secret")) != (
            fake.client_id,
            fake.client_secret,
        ):
            return self._send(401, {"error": "invalid_client"})
        grant = form.get("grant_type")
        if grant == "authorization_code":
            redirect = fake.codes.pop(form.get("code", ""), None)
            ok = redirect is not None and redirect == form.get("redirect_uri")
        elif grant == "refresh_token":
            if fake.hold_refresh_seconds:
                fake.refresh_arrived.release()
                fake.refresh_arrived.acquire(timeout=fake.hold_refresh_seconds)
            ok = form.get("refresh_token") in fake.refresh_tokens
            fake.refresh_tokens.discard(form.get("refresh_token", ""))  # rotated
        else:
            ok = False
        if not ok:
            return self._send(400, {"error": "invalid_grant"})
        fake.grants.append(str(grant))
        access, refresh = uuid.uuid4().hex, uuid.uuid4().hex
        fake.tokens.add(access)
        fake.refresh_tokens.add(refresh)
        answer = {"access_token": access, "refresh_token": refresh, "token_type": "bearer"}
        return self._send(200, {**answer, "expires_in": 2592000, "created_at": int(time.time())})

    def _route(self, parts: list[str]) -> None:
        fake = self.fake
        if parts[:3] != ["v3", "organizations", fake.organization]:
            return self._send(404, {"errors": ["not found"]})
        rest = parts[3:]
        if rest == ["accesses"] and self.command == "GET":
            return self._send(200, {"accesses": list(reversed(fake.accesses))})
        if len(rest) >= 2 and rest[0] == "akeruns" and rest[1] in fake.akeruns:
            if rest[2:] == ["jobs", "unlock"] and self.command == "POST":
                return self._unlock(rest[1])
            if len(rest) == 2 and self.command == "GET":
                return self._send(200, {"akerun": {"id": rest[1], **fake.akeruns[rest[1]]}})
        return self._send(404, {"errors": ["not found"]})

    def _unlock(self, akerun_id: str) -> None:
        fake = self.fake
        if fake.job_running:
            return self._send(409, {"errors": ["unlock job is already running"]})
        fake.job_running = fake.keep_jobs_running
        if fake.history:
            at = datetime.fromtimestamp(time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            entry = {"id": len(fake.accesses) + 1, "action": "unlock", "accessed_at": at}
            fake.accesses.append({**entry, "akerun": {"id": akerun_id}})
        return self._send(201, {"job": {"id": uuid.uuid4().hex, "status": "created"}})


FakeAkerun.handler = _Handler
