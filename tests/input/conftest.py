"""The console's tenants and their objects (tests/console/conftest.py) for the input walks."""

from tests.console.conftest import world

__all__ = ["world"]
