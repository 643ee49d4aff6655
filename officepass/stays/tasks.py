"""Background work the worker runs each tick. Every task is safe in several processes."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from officepass.accounts.services import login_failures_prune
from officepass.core import clock
from officepass.core.audit import audit
from officepass.locks.credentials import lock_credentials_retry
from officepass.locks.reliability import locks_reliability_watch
from officepass.locks.services import lock_commands_settle_stale
from officepass.stays.models import AvailabilityChange, Stay
from officepass.stays.services import stays_finalize_expired
from officepass.tickets.cycles import cycles_roll_due

log = logging.getLogger("officepass.worker")

# Change-log rows older than this are gone; a stream that fell further behind resyncs.
CHANGE_LOG_KEEP = timedelta(minutes=10)


def notify_extension_open(stay: Stay) -> None:
    """The T−15 reminder hook: e-mail the member that extension is now possible."""
    member = stay.member
    with translation.override(member.language):
        subject = _("You can extend your stay now")
        body = _("Your checkout deadline at %(office)s / %(space)s is %(deadline)s.") % {
            "office": stay.office.name,
            "space": stay.space.name,
            "deadline": stay.deadline.isoformat(),
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [member.email], fail_silently=True)


def reminders_send(*, limit: int = 500) -> int:
    """Send the T−15 reminder once per deadline (guarded by `reminded_at`)."""
    now = clock.now()
    due = Stay.objects.filter(
        status=Stay.Status.ACTIVE,
        reminded_at__isnull=True,
        extension_opens_at__lte=now,
        deadline__gt=now,
    ).select_related("member", "office", "space")[:limit]
    sent = 0
    for stay in due:
        with transaction.atomic():
            if not Stay.objects.filter(pk=stay.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            audit(actor=None, action="stay.reminder_sent", target=stay, kind="extension_open")
            transaction.on_commit(lambda stay=stay: notify_extension_open(stay))  # type: ignore[misc]
        sent += 1
    return sent


def change_log_prune() -> int:
    deleted, _ = AvailabilityChange.objects.filter(
        created_at__lt=clock.now() - CHANGE_LOG_KEEP
    ).delete()
    return deleted


def tick() -> dict[str, int]:
    """One round of every periodic task; returns counts for the log."""
    return {
        "forced_out": stays_finalize_expired(),
        "lock_credentials": lock_credentials_retry(),
        "lock_reliability_reports": locks_reliability_watch(),
        "lock_commands_settled": lock_commands_settle_stale(),
        "reminders": reminders_send(),
        "cycles": cycles_roll_due(),
        "pruned": change_log_prune(),
        "login_failures_pruned": login_failures_prune(),
    }
