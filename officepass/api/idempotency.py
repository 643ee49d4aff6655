"""`Idempotency-Key` on state-changing POSTs (docs/architecture.md, decision 7).

The key is inserted in the same transaction as the effect. A concurrent duplicate waits on
the unique index (PostgreSQL) or the write lock (SQLite) until the first commits, then gets
the stored response. The same key with another body is `idempotency_key_reused`.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse

from officepass.api.errors import error_body
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> JsonResponse:
    if record.fingerprint != fingerprint:
        raise DomainError("idempotency_key_reused")
    response = JsonResponse(record.response, status=record.status_code, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response


def _as_response(status: int, body: Any) -> tuple[int, Any]:
    return status, json.loads(json.dumps(body, cls=DjangoJSONEncoder))


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
        fingerprint = _fingerprint(request)
        user = request.auth  # type: ignore[attr-defined]
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user, key=key, fingerprint=fingerprint, created_at=clock.now()
                    )
            except IntegrityError:
                record = IdempotencyRecord.objects.get(user=user, key=key)
                return _replay(record, fingerprint)
            try:
                with transaction.atomic():
                    status, body = _as_response(*view(request, *args, **kwargs))
            except DomainError as exc:
                # The refusal is the first response too: store it, with no effect kept.
                status, body = exc.status, error_body(request, exc)
            record.status_code, record.response = status, body
            record.save(update_fields=["status_code", "response"])
        return JsonResponse(body, status=status, safe=False)

    return wrapper
