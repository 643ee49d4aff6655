"""Run calls in real threads that start together, and check the invariants `reconcile` checks.

Each thread opens its own database connection before the start line (so connecting does not
stagger the start) and closes it at the end (so the transactional flush is never blocked).
"""

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Sum

from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.offices.models import Space
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry, TicketAccount

START_TIMEOUT_S = 30
FINISH_TIMEOUT_S = 120


def run_together(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Call each function in its own thread, all released at once; the value or the exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=START_TIMEOUT_S)
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=FINISH_TIMEOUT_S)
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {FINISH_TIMEOUT_S} s: {stuck}"
    return outcomes


def tally(outcomes: Sequence[Any]) -> Counter[str]:
    """`ok` for a value, the code of a DomainError, else the exception itself (shown on failure)."""
    return Counter(
        "ok" if not isinstance(o, Exception) else o.code if isinstance(o, DomainError) else repr(o)
        for o in outcomes
    )


def active_stays(**filters: Any) -> int:
    return Stay.objects.filter(status=Stay.Status.ACTIVE, **filters).count()


def consume_entries(**filters: Any) -> int:
    return LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CONSUME, **filters).count()


def balance(member: User) -> int:
    return TicketAccount.objects.get(member=member).balance


def counter_breaches(spaces: Sequence[Space]) -> list[str]:
    """Each space's counter equals its active stays and stays within its quota."""
    problems = []
    for space in Space.objects.filter(pk__in=[s.pk for s in spaces]):
        stays = active_stays(space=space)
        if space.in_use != stays or stays > space.quota:
            problems.append(
                f"space {space.pk}: in_use={space.in_use}, "
                f"{stays} active stays, quota {space.quota}"
            )
    return problems


def ledger_breaches(members: Sequence[User]) -> list[str]:
    """Each cached balance equals the sum of its ledger entries."""
    problems = []
    for member in members:
        total = LedgerEntry.objects.filter(member=member).aggregate(t=Sum("tickets"))["t"] or 0
        if balance(member) != total:
            problems.append(f"member {member.pk}: balance {balance(member)}, ledger sum {total}")
    return problems
