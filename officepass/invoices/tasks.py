"""Worker tasks of the money ledger (registered in InvoicesConfig)."""

from datetime import timedelta

from officepass.core import clock
from officepass.invoices.services import company_invoices_issue


def company_invoices_issue_due() -> int:
    """Issue last network month's company invoices (once each: safe every tick and in
    several workers; the month is decided by the clock, not by when the worker runs)."""
    previous = clock.month_start(clock.month_start(clock.now()) - timedelta(days=1))
    return len(company_invoices_issue(month_start=previous))
