"""The one clock every rule reads, in UTC, so tests can move it with time_machine."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
