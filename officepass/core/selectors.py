"""Reads of core's tables: the audit log for the secretariat's viewer."""

from django.db.models import Model, QuerySet

from officepass.core.models import AuditEntry

AUDIT_FILTERS = ("action", "target_type", "target_id", "actor")


def audit_entries(filters: dict[str, str]) -> QuerySet[AuditEntry]:
    """Newest first; `action` matches a prefix (`lock.` finds every lock action)."""
    entries = AuditEntry.objects.order_by("-created_at", "-id")
    if filters.get("action"):
        entries = entries.filter(action__startswith=filters["action"])
    if filters.get("target_type"):
        entries = entries.filter(target_type=filters["target_type"])
    if filters.get("target_id"):
        entries = entries.filter(target_id=filters["target_id"])
    if filters.get("actor"):
        entries = entries.filter(actor_label__icontains=filters["actor"])
    return entries


def audit_entries_for(target: Model) -> QuerySet[AuditEntry]:
    """The audit rows about one object."""
    return AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
