"""Test servers' ports: two test processes never pick the same one (tests/ports.py)."""

import subprocess
import sys
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8390, 8394)  # this test's own ports

HOLDER = """
import sys
from tests.ports import free_port
print(free_port(range(8390, 8394)), flush=True)
sys.stdin.read()  # keep the claim until the test closes our stdin
"""


def test_a_port_another_process_claimed_is_skipped_until_that_process_ends() -> None:
    holder = subprocess.Popen(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", HOLDER],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        theirs = int(holder.stdout.readline())
        assert theirs in PORTS
        # Nothing listens on it yet (a server takes a while to bind): the probe alone would
        # hand it out twice.
        ours = free_port(PORTS)
        assert ours is not None and ours != theirs
        assert free_port(PORTS) == ours  # this process's own claim is reused
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait()
    # Its claim ends with it.
    assert free_port(range(theirs, theirs + 1)) == theirs
