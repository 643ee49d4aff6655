"""Guards for the rule "never a network call inside a transaction" (STYLE 3, 13)."""

from django.db import connection


class OpenTransactionError(RuntimeError):
    """A network call was about to be made while a transaction was open (a bug, not input)."""


def require_no_transaction(what: str) -> None:
    """Raise unless the default connection is in autocommit, outside every `atomic` block.

    A test case's own wrapping transaction (pytest-django's `db` fixture) is not counted, as
    `atomic(durable=True)` does not count it: such tests cannot see commit order anyway, and
    tests that do (a door checking what is committed) use `transactional_db`.
    """
    open_blocks = [b for b in connection.atomic_blocks if not getattr(b, "_from_testcase", False)]
    if open_blocks:
        raise OpenTransactionError(f"{what} inside an open transaction")
