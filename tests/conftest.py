import pytest
from django.db import connection


@pytest.fixture
def on_postgres() -> None:
    """Skip, with the reason, unless the test database is PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (make test does)")
