"""Checks of every invariant; `python manage.py reconcile` exits non-zero on any breach.

The checks live with their tables (stays/checks.py, tickets/checks.py, …) and register
themselves with core.registry; this module only runs them all.
"""

from officepass.core.registry import all_breaches

__all__ = ["all_breaches"]
