"""PostgreSQL restarted under load, on a throwaway cluster of our own (never the shared one).

Eight members check in and out over HTTP while the server is restarted three times. Clients
see either their answer or a quick `503 service_unavailable` (JSON, Retry-After), retry with
the same Idempotency-Key, and nothing is lost or doubled: every acknowledged stay exists,
one ticket entry per stay, and `reconcile` is clean.
"""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.concurrency.rounds import env_int, progress
from tests.faults.pgcluster import Cluster, free_port, pg_bin
from tests.faults.procs import manage, manage_env, spawn, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]
# make test: 6 s and 2 restarts; make soak / make faults: FAULT_LOAD_SECONDS, FAULT_RESTARTS.
LOAD_SECONDS = float(env_int("FAULT_LOAD_SECONDS", 6))
RESTARTS = env_int("FAULT_RESTARTS", 2)
THREADS = 8


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bindir, port = pg_bin(), free_port()
    if bindir is None:
        pytest.skip("needs PostgreSQL's initdb/pg_ctl to start a throwaway cluster")
    if port is None:
        pytest.skip("no free port in 8310-8319 for a throwaway PostgreSQL")
    own = Cluster(bindir, port)
    try:
        own.start()
    except (OSError, subprocess.SubprocessError) as exc:
        own.stop()
        pytest.skip(f"could not start a throwaway PostgreSQL: {exc}")
    try:
        yield own
    finally:
        own.stop()


def copy_schema(cluster: Cluster) -> None:
    """The test database's schema (already migrated) into the throwaway cluster: much faster
    than running every migration again."""
    s = connection.settings_dict
    dump = subprocess.run(  # noqa: S603
        [
            str(cluster.bindir / "pg_dump"),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "-h",
            s.get("HOST") or "127.0.0.1",
            "-p",
            str(s.get("PORT") or 5432),
            "-U",
            s["USER"],
            s["NAME"],
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert b"CREATE TABLE" in dump.stdout, dump.stderr[-2000:]
    subprocess.run(  # noqa: S603
        [
            str(cluster.bindir / "psql"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            "postgres",
            "faults",
        ],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=120,
    )


def _query(url: str, sql: str, *params: object) -> int:
    with psycopg.connect(url.replace("postgres://", "postgresql://"), connect_timeout=5) as db:
        row = db.execute(sql, params).fetchone()
        assert row is not None
        return int(row[0])


@pytest.mark.django_db  # the test database exists (migrated): its schema is copied
def test_postgres_restarted_under_load_loses_and_doubles_nothing(
    cluster: Cluster, tmp_path: Path
) -> None:
    try:
        copy_schema(cluster)
    except (subprocess.CalledProcessError, AssertionError):
        # e.g. a pg_dump older than the test server: build the schema the slow way
        migrated = manage("migrate", "--noinput", url=cluster.url, timeout=300)
        assert migrated.returncode == 0, migrated.stderr
    result_file, log = tmp_path / "load.json", tmp_path / "load.log"
    load = spawn(
        [
            sys.executable,
            "-m",
            "tests.faults.pg_load",
            str(LOAD_SECONDS),
            str(THREADS),
            str(result_file),
        ],
        log,
        manage_env(cluster.url),
    )
    try:
        wait_for(lambda: "load: running" in log.read_text(), 120, "the load to start")
        for _ in range(RESTARTS):
            time.sleep(LOAD_SECONDS / (RESTARTS + 1))
            cluster.restart()
        assert load.wait(timeout=LOAD_SECONDS + 120) == 0, log.read_text()[-3000:]
    finally:
        if load.poll() is None:
            load.kill()
    seen = json.loads(result_file.read_text())

    # users got answers, not hangs: JSON every time, errors with stable codes, quickly
    assert seen["not_json"] == 0, seen
    assert set(seen["codes"]) <= {"service_unavailable"}, seen["codes"]
    assert seen["slowest_seconds"] < 10, seen
    assert seen["statuses"].get("503", 0) > 0, f"no request met a restart: {seen}"
    assert seen["gave_up"] == 0, seen

    # nothing lost, nothing doubled
    stays = _query(cluster.url, "SELECT count(*) FROM stays_stay")
    consumed = _query(
        cluster.url, "SELECT count(*) FROM tickets_ledgerentry WHERE kind = 'consume'"
    )
    active = _query(cluster.url, "SELECT count(*) FROM stays_stay WHERE status = 'active'")
    assert stays == len(seen["stays"]) == len(set(seen["stays"])), (stays, seen)
    assert consumed == stays
    assert active == len(seen["stays"]) - len(seen["checked_out"])
    assert (
        _query(cluster.url, "SELECT in_use FROM offices_space WHERE id = %s", seen["space_id"])
        == active
    )
    reconcile = manage("reconcile", url=cluster.url)
    assert reconcile.returncode == 0, reconcile.stderr
    progress(
        f"faults: postgres restarted {RESTARTS}x under load: {seen['requests']} requests,"
        f" {seen['statuses']}, {stays} stays, slowest {seen['slowest_seconds']} s, nothing lost"
    )
