"""officepass/core/pgbackend (issue 18): the health check asks the socket, and the server
only when it has spoken. A live connection is reused without `SELECT 1`; one the server ended
is replaced before the request's first query, as Django's own check does."""

import select

import psycopg
import pytest
from django.db import DatabaseError, connection
from django.db.backends.postgresql import base

from officepass.core.pgbackend.base import DatabaseWrapper

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("on_postgres"),
    pytest.mark.django_db(transaction=True),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def next_request() -> None:
    """What Django does between two requests on a reused connection."""
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is not None
    assert not connection.health_check_done  # type: ignore[attr-defined]


def end_backend(pid: int) -> None:
    """The server ends the connection (as a restart or an idle timeout would), and its
    goodbye reaches our socket (waited for, not slept on)."""
    params = connection.get_connection_params()
    dsn = {k: params[k] for k in ("host", "port", "user", "dbname") if params.get(k)}
    with psycopg.connect(**dsn, autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()
        assert ended is not None and ended[0]
    readable, _, _ = select.select([connection.connection.fileno()], [], [], 30)
    assert readable, "the server's goodbye never reached the socket"


@pytest.fixture
def asked(monkeypatch):
    """How many times the `SELECT 1` check ran."""
    calls: list[int] = []
    real = base.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", counted)
    return calls


def test_a_live_connection_is_reused_without_asking_the_server(asked):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    pid = backend_pid()
    for _ in range(3):
        next_request()
        assert backend_pid() == pid
    assert asked == []


def test_a_connection_the_server_ended_is_replaced_before_the_first_query(asked):
    pid = backend_pid()
    end_backend(pid)
    next_request()
    assert backend_pid() != pid  # a new connection: the request's query did not fail
    assert asked == [1]  # the server had spoken: the full check decided


def test_control_without_the_check_the_first_query_fails(monkeypatch):
    """Taken out, the dead connection is kept and the request's first query fails."""
    monkeypatch.setattr(DatabaseWrapper, "is_usable", lambda self: True)
    end_backend(backend_pid())
    next_request()
    with pytest.raises(DatabaseError):
        backend_pid()
    connection.close()
