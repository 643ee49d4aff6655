"""Ports for the servers tests start themselves (each suite has its own range)."""

import socket


def free_port(ports: range) -> int | None:
    """The first port of `ports` nothing listens on at 127.0.0.1, or None."""
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return None
