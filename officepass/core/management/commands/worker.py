"""`python manage.py worker`: forced checkouts, T−15 reminders and monthly cycles, in a loop."""

import logging
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection

from officepass.core.registry import tick

log = logging.getLogger("officepass.worker")


class Command(BaseCommand):
    help = "Run the background worker (safe to run as several processes on PostgreSQL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.WORKER_INTERVAL_SECONDS,
            help="Seconds between rounds (default: WORKER_INTERVAL_SECONDS).",
        )

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"officepass worker started (every {interval:g}s)")
        while not stopping:
            if not connection.in_atomic_block:
                # Drop a connection the database closed (restart) before the next round.
                close_old_connections()
            try:
                counts = tick()
            except DatabaseError:
                # The database restarted or is busy: log, wait, try again; nothing is lost
                # because every task is a guarded update that the next round repeats.
                log.exception("worker round failed; retrying")
                counts = {}
            if any(counts.values()):
                log.info("worker round %s", counts)
            if once:
                break
            time.sleep(interval)
        self.stdout.write("officepass worker stopped")
