"""Four workers close the same operator's month at once: one statement, every ledger entry
counted once. The guards are the unique (operator, month) and the unique ledger entry per
statement entry, behind the operator's row lock in `statement_close`."""

from datetime import date
from functools import partial

import pytest
import time_machine

from officepass.settlement.checks import statement_breaches
from officepass.settlement.models import Statement, StatementEntry
from officepass.settlement.services import statement_close, statements_close_month
from tests.concurrency.race import run_together
from tests.settlement.test_statements import Network, at

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]
WORKERS = 4


@pytest.mark.django_db(transaction=True)
def test_four_workers_closing_one_month_write_one_statement():
    net = Network()
    for day in (3, 10, 17, 24):
        net.visit(0, net.north, at(10, day, 9))
        net.visit(1, net.south, at(10, day, 13))
    with time_machine.travel(at(11, 1, 0, 1), tick=True):
        calls = [partial(statement_close, operator=net.operator, month=date(2026, 10, 1))] * 2
        calls += [partial(statements_close_month, month=date(2026, 10, 1))] * (WORKERS - 2)
        outcomes = run_together(calls)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    statement = Statement.objects.get()
    assert {o.pk for o in outcomes if isinstance(o, Statement)} == {statement.pk}
    assert StatementEntry.objects.count() == 8  # 8 stays, one consume entry each
    assert statement.tickets == 16 and statement_breaches() == []
