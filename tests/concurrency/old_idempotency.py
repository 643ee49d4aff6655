"""Main's Idempotency-Key shape before decision 12 of docs/architecture.md, for the control tests.

The view ran inside the key's transaction, and nothing stopped a door command from being sent
inside it. `install_old_shape` puts that back for one test: the controls show that what the
new shape and the guard prevent really happens without them.
"""

from typing import Any

import pytest
from django.db import transaction
from django.http import HttpRequest, JsonResponse

from officepass.api import idempotency
from officepass.core.idempotency import Claim, idempotency_abandon, idempotency_acting
from officepass.core.models import IdempotencyRecord
from officepass.locks import services as lock_services


def _act_in_one_transaction(
    request: HttpRequest, claim: Claim, view: Any, *args: Any, **kwargs: Any
) -> JsonResponse:
    acting = idempotency_acting(claim)
    try:
        with transaction.atomic():
            status, body = idempotency._as_response(*view(request, *args, **kwargs))
            IdempotencyRecord.objects.filter(pk=claim.record_id).update(
                status_code=status, response=body
            )
    finally:
        idempotency_abandon(claim, acting=acting)
    return JsonResponse(body, status=status, safe=False)


def install_old_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "_act", _act_in_one_transaction)
    monkeypatch.setattr(lock_services, "require_no_transaction", lambda what: None)
