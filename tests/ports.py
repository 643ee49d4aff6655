"""Ports for the servers tests start themselves (each suite has its own range).

Two test processes on one machine (`make soak` beside `make test`, say) may look for a port in
the same range at the same moment, and a server takes seconds to bind after the probe said the
port was free. So a process first claims a port with an exclusive lock on a file named after it
(held until the process ends, released by the kernel even if it is killed), then probes it:
another process's claimed ports are skipped, this process's own are reused.
"""

import fcntl
import os
import socket
import tempfile
from pathlib import Path

_CLAIMS = Path(tempfile.gettempdir()) / "officepass-test-ports"
_claimed: dict[int, int] = {}  # port -> the open, locked file descriptor


def _claim(port: int) -> bool:
    if port in _claimed:
        return True
    _CLAIMS.mkdir(exist_ok=True)
    fd = os.open(_CLAIMS / f"{port}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _claimed[port] = fd
    return True


def free_port(ports: range) -> int | None:
    """The first port of `ports` no other test process claimed and nothing listens on at
    127.0.0.1, or None."""
    for port in ports:
        if not _claim(port):
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return None
