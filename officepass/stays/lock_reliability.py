"""A door below its reliability threshold raises a trouble report by itself (worker task).

Over the last LOCK_RELIABILITY_DAYS (7), a lock that was sent at least
LOCK_RELIABILITY_MIN_UNLOCKS (10) unlocks and opened for fewer than LOCK_RELIABILITY_THRESHOLD
(0.9) of them gets one report, kind `lock_reliability`, with its figures; no second report while
that one is not resolved. The sweep runs at most every LOCK_RELIABILITY_CHECK_SECONDS (600) in
the whole deployment (a cache claim), since it reads a week of commands.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from officepass.core import clock
from officepass.locks.models import LockCommand
from officepass.locks.selectors import DOOR_PURPOSES, lock_reliability
from officepass.offices.models import Space
from officepass.support.models import TroubleReport
from officepass.support.services import trouble_report_raise

KIND = TroubleReport.Kind.LOCK_RELIABILITY


def _open_report(space_id: int) -> bool:
    return (
        TroubleReport.objects.filter(kind=KIND, diagnostics__space_id=space_id)
        .exclude(status=TroubleReport.Status.RESOLVED)
        .exists()
    )


def locks_reliability_watch(*, force: bool = False) -> int:
    """Raise a report for each door below the threshold; returns how many were raised."""
    pause = settings.LOCK_RELIABILITY_CHECK_SECONDS
    if not force and not cache.add("locks:reliability:swept", 1, timeout=pause):
        return 0
    now = clock.now()
    days = settings.LOCK_RELIABILITY_DAYS
    recent = LockCommand.objects.filter(
        purpose__in=DOOR_PURPOSES, created_at__gte=now - timedelta(days=days)
    )
    raised = 0
    for space_id in recent.values_list("space_id", flat=True).distinct():
        figures = lock_reliability(space_id=space_id, days=days, now=now)
        rate = figures["success_rate"]
        enough = figures["sent"] >= settings.LOCK_RELIABILITY_MIN_UNLOCKS
        if rate is None or not enough or rate >= settings.LOCK_RELIABILITY_THRESHOLD:
            continue
        raised += _raise(space_id, figures)
    return raised


def _raise(space_id: int, figures: dict[str, object]) -> int:
    space = Space.objects.select_related("office").get(pk=space_id)
    with transaction.atomic():
        if _open_report(space_id):
            return 0
        trouble_report_raise(
            office_id=space.office_id,
            kind=KIND,
            message=f"The door of {space.name} opened for too few unlocks in the last "
            f"{figures['days']} days.",
            diagnostics=json.loads(
                json.dumps(
                    {"space_id": space_id, "driver": space.lock_driver, **figures}, default=str
                )
            ),
        )
    return 1
