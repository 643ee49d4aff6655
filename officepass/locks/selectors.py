"""Reads for the console: credentials the vendor has not confirmed gone, door reliability."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from officepass.accounts.models import User
from officepass.locks.models import LockCloudAccount, LockCommand, LockCredential

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


OPENED = (LockCommand.Status.CONFIRMED, LockCommand.Status.ACCEPTED)
DOOR_PURPOSES = ("unlock", "exit")


def _percentile(sorted_values: list[float], share: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(int(-(-share * len(sorted_values) // 1)), 1)  # ceil(share × n), at least 1
    return sorted_values[min(rank, len(sorted_values)) - 1]


def lock_reliability(*, space_id: int, days: int, now: datetime) -> dict[str, Any]:
    """A door's record over the last `days`: unlocks sent, the share that opened (confirmed or
    accepted), unanswered ones, p50/p95 latency of those that opened, the last failures."""
    commands = LockCommand.objects.filter(
        space_id=space_id, purpose__in=DOOR_PURPOSES, created_at__gte=now - timedelta(days=days)
    ).exclude(status=LockCommand.Status.PENDING)
    rows = list(commands.values_list("status", "latency_ms"))
    opened = sorted(float(ms) for status, ms in rows if status in OPENED and ms is not None)
    failures = commands.filter(
        status__in=(LockCommand.Status.FAILED, LockCommand.Status.EXPIRED)
    ).order_by("-created_at")[:5]
    total = len(rows)
    return {
        "days": days,
        "sent": total,
        "opened": sum(1 for status, _ms in rows if status in OPENED),
        "unknown": sum(1 for status, _ms in rows if status == LockCommand.Status.UNKNOWN),
        "success_rate": (sum(1 for s, _ in rows if s in OPENED) / total) if total else None,
        "p50_ms": _percentile(opened, 0.5),
        "p95_ms": _percentile(opened, 0.95),
        "last_failures": [
            {"at": c.created_at, "error": c.error_code, "stay_id": c.stay_id} for c in failures
        ],
    }


def lock_cloud_accounts_visible(user: User) -> QuerySet[LockCloudAccount]:
    """The lock-cloud accounts a staff user may manage: all for the secretariat, else their
    operator's."""
    accounts = LockCloudAccount.objects.order_by("vendor", "name")
    if user.is_staff:
        return accounts
    return accounts.filter(operator_id=user.operator_id or 0)
