"""`Idempotency-Key` on state-changing POSTs (docs/architecture.md, decisions 7 and 12).

Claim, then act, then record (as pretix's middleware does): the key is claimed in its own
short transaction (officepass.core.idempotency), the view runs outside any transaction so
its service owns its transactions and sends doors after they commit, and the response is
stored last. A duplicate meanwhile waits for that response or gets `request_in_progress`
(409, Retry-After). Refusals are stored and replayed like successes, except the retryable
ones (429, 503): their claim is let go, so a retry with the same key acts again. The same
key with another body is `idempotency_key_reused`.
"""

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse

from officepass.api.errors import error_body
from officepass.core.errors import DomainError
from officepass.core.idempotency import (
    Claim,
    idempotency_abandon,
    idempotency_acting,
    idempotency_claim,
    idempotency_release,
    idempotency_store,
)
from officepass.core.models import IdempotencyRecord

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Worth retrying with the same key: not a final answer, so never stored.
RETRYABLE_STATUSES = frozenset({429, 503})


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> JsonResponse:
    response = JsonResponse(record.response, status=record.status_code, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response


def _as_response(status: int, body: Any) -> tuple[int, Any]:
    return status, json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def _act(
    request: HttpRequest, claim: Claim, view: Callable[..., tuple[int, Any]], *a: Any, **kw: Any
) -> JsonResponse:
    acting = idempotency_acting(claim)
    try:
        status, body = _as_response(*view(request, *a, **kw))
    except DomainError as exc:
        if exc.status in RETRYABLE_STATUSES:
            _let_go(claim, acting)
            raise
        status, body = exc.status, error_body(request, exc)
    except BaseException:
        # Unknown effects (the database went away, a bug): keep the claim for a retry to take
        # over, which then finds what this attempt left (a door command is not sent again).
        idempotency_abandon(claim, acting=acting)
        raise
    if not idempotency_store(claim, status=status, body=body, acting=acting):
        log.warning("idempotency claim %s was taken over; response not stored", claim.record_id)
    return JsonResponse(body, status=status, safe=False)


def _let_go(claim: Claim, acting: Any) -> None:
    try:
        idempotency_release(claim, acting=acting)
    except DatabaseError:
        # The database is unreachable: the claim stays until a retry takes it over.
        log.warning("idempotency claim %s not released", claim.record_id)


def idempotent(view: Callable[..., tuple[int, Any]]) -> Callable[..., Any]:
    """Wrap a view returning (status, json-ready body)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            status, body = _as_response(*view(request, *args, **kwargs))
            return JsonResponse(body, status=status, safe=False)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise DomainError("invalid_input", field=HEADER)
        user = request.auth  # type: ignore[attr-defined]
        found = idempotency_claim(user=user, key=key, fingerprint=_fingerprint(request))
        if isinstance(found, IdempotencyRecord):
            return _replay(found)
        return _act(request, found, view, *args, **kwargs)

    return wrapper
