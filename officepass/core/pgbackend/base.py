"""Django's PostgreSQL backend, with a cheaper health check (settings: DATABASES ENGINE).

With CONN_HEALTH_CHECKS, Django asks a reused connection `SELECT 1` before each request's
first query: a round trip per request (and per check-in) to learn what the socket already
tells. A server that ends a connection (a restart, `pg_terminate_backend`, an idle timeout)
sends its FATAL message and closes the socket, so an idle connection whose socket has nothing
to read is alive as far as anything but the network itself can say, and `SELECT 1` would not
learn more there before the TCP timeout. When there is something to read (that goodbye, or
a notice), the full `SELECT 1` check decides, as before.
"""

import select
from typing import Any

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection: Any = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if readable:
            return bool(super().is_usable())
        return True
