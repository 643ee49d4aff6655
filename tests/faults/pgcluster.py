"""A throwaway PostgreSQL cluster on 127.0.0.1 in a temporary directory, ours to restart.

Never the shared cluster: fault tests restart only this one. Runs the server as the
`postgres` user when the tests run as root (initdb refuses root).
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.ports import free_port as _free_port

PORTS = range(8310, 8320)  # this project's fault-test ports


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int | None:
    return _free_port(PORTS)


class Cluster:
    def __init__(self, bindir: Path, port: int) -> None:
        self.bindir, self.port = bindir, port
        self.base = Path(tempfile.mkdtemp(prefix="officepass-pg-"))
        self.data, self.log = self.base / "data", self.base / "server.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.base, "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/faults"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)  # noqa: S603

    def _ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=on -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            action,
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            *extra,
        )

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self._ctl("start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "faults")

    def restart(self) -> None:
        """Fast restart: open transactions are rolled back, connections are cut."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)
