"""What each app plugs into the core commands: its reconcile checks and its worker tasks.

Core imports no domain app. Each app registers its own in its AppConfig.ready(), so
`manage.py reconcile` checks every app's invariants and `manage.py worker` runs every app's
periodic tasks without core knowing their tables (docs/architecture.md, "Layers").
"""

from collections.abc import Callable

Check = Callable[[], list[str]]
Task = Callable[[], int]

CHECKS: dict[str, Check] = {}
TASKS: dict[str, Task] = {}


def register_check(name: str, check: Check) -> None:
    """A reconcile check: returns one line per breach, [] when its invariants hold."""
    CHECKS[name] = check


def register_task(name: str, task: Task) -> None:
    """A worker task: safe in several processes, returns how many rows it handled."""
    TASKS[name] = task


def all_breaches() -> list[str]:
    """Every registered check's breaches, in registration order."""
    return [problem for check in CHECKS.values() for problem in check()]


def tick() -> dict[str, int]:
    """One round of every registered periodic task; returns counts for the log."""
    return {name: task() for name, task in TASKS.items()}
