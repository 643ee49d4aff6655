"""Reads for the console: credentials the vendor has not confirmed gone, per space."""

from typing import Any

from django.db.models import Count, Q

from officepass.locks.models import LockCommand, LockCredential

ATTENTION = (LockCredential.Status.REVOKING, LockCredential.Status.UNKNOWN)


def lock_credentials_needing_attention(*, space_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Credentials still being revoked (the worker retries them) or never confirmed issued,
    oldest first, with how many revokes were tried and the last error."""
    rows = (
        LockCredential.objects.filter(space_id=space_id, status__in=ATTENTION)
        .annotate(revokes=Count("commands", filter=Q(commands__purpose="cred_revoke")))
        .order_by("created_at")[:limit]
    )
    out = []
    for credential in rows:
        last = LockCommand.objects.filter(credential=credential).order_by("-id").first()
        out.append(
            {
                "credential": credential,
                "revokes": credential.revokes,
                "last_status": last.status if last else "",
                "last_error": last.error_code if last else "",
                "last_at": last.finished_at or last.created_at if last else None,
            }
        )
    return out
