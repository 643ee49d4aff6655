"""Payout statements equal the ledger: a month with a rate change on the 15th, an office rate,
refunds before and after the close and a stay across the month's end; the closed statement
never changes, the late refund is next month's adjustment, and closing twice changes nothing."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.offices.models import Operator
from officepass.offices.services import operator_registration_set
from officepass.settlement.checks import statement_breaches
from officepass.settlement.models import PayoutRate, Statement, StatementEntry, StatementLine
from officepass.settlement.selectors import payout_by_office
from officepass.settlement.services import (
    payout_rate_add,
    statement_close,
    statement_confirm,
    statements_close_due,
)
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in, stay_checkout, stay_extend
from officepass.tickets.models import LedgerEntry
from officepass.tickets.services import ticket_refund_for_stay
from tests import factories

TOKYO = ZoneInfo("Asia/Tokyo")
OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


class Network:
    def __init__(self) -> None:
        self.operator = Operator.objects.create(name="Alpha", payout_per_ticket=300)
        self.north = factories.space(factories.office("North", operator=self.operator))
        self.south = factories.space(factories.office("South", operator=self.operator))
        self.secretariat = User.objects.create_user("sec@example.com", "x", is_staff=True)
        self.staff = User.objects.create_user("staff@example.com", "x", operator=self.operator)
        self.people = [factories.member(f"p{i}@example.com", tickets=60) for i in range(3)]

    def visit(self, person: int, space, start: datetime, minutes: int = 240) -> Stay:
        with time_machine.travel(start, tick=False):
            stay = stay_check_in(
                member=self.people[person], code=factories.code_for(space), minutes=minutes
            )
        with time_machine.travel(start + timedelta(minutes=90), tick=False):
            stay_checkout(member=self.people[person], stay_id=stay.pk, unlock=False)
        return stay

    def refund(self, stay: Stay, when: datetime, tickets: int = 1) -> None:
        with time_machine.travel(when, tick=False):
            ticket_refund_for_stay(actor=self.staff, stay=stay, tickets=tickets, reason="door")


@pytest.fixture
def network(db) -> Network:
    net = Network()
    with time_machine.travel(at(9, 20, 10), tick=False):
        payout_rate_add(
            actor=net.secretariat,
            operator=net.operator,
            yen_per_ticket=500,
            effective_from=date(2026, 10, 1),
        )
        payout_rate_add(
            actor=net.secretariat,
            operator=net.operator,
            yen_per_ticket=600,
            effective_from=date(2026, 10, 15),
            reason="new contract",
        )
        payout_rate_add(
            actor=net.secretariat,
            operator=net.operator,
            office=net.south.office,
            yen_per_ticket=800,
            effective_from=date(2026, 10, 20),
        )
    return net


def october(net: Network) -> dict[str, Stay]:
    """Stays of October (Tokyo) and one on each side of it; a refund before the close."""
    stays = {
        "september": net.visit(0, net.north, at(9, 30, 22)),  # September's: not October's
        "early": net.visit(0, net.north, at(10, 3, 9)),  # 2 tickets at 500
        "late": net.visit(1, net.north, at(10, 16, 9)),  # 2 tickets at 600
        "south_before": net.visit(2, net.south, at(10, 14, 23, 30)),  # 2 at 500
        "south_after": net.visit(2, net.south, at(10, 21, 9)),  # 2 at the office's 800
    }
    net.refund(stays["late"], at(10, 16, 12))  # refund before the close
    # Across the month's end: checks in on the 31st, extends after midnight (November).
    person = net.people[1]
    with time_machine.travel(at(10, 31, 23), tick=False) as clock:
        boundary = stay_check_in(member=person, code=factories.code_for(net.north), minutes=120)
        clock.move_to(at(11, 1, 0, 50))
        stay_extend(member=person, stay_id=boundary.pk, minutes=120)
        clock.move_to(at(11, 1, 1, 30))
        stay_checkout(member=person, stay_id=boundary.pk, unlock=False)
    stays["boundary"] = boundary
    return stays


def ledger_lines(statement: Statement) -> dict[tuple[int, str, int], tuple[int, int]]:
    """The statement recomputed from the ledger alone: per (office, kind, rate) the net tickets
    of the counted entries and the number of stays."""
    rates = {  # the rate on each stay's network date, written out by hand
        "North": lambda d: 500 if d < date(2026, 10, 15) else 600,
        "South": lambda d: (
            800 if d >= date(2026, 10, 20) else (500 if d < date(2026, 10, 15) else 600)
        ),
    }
    start = datetime(statement.month.year, statement.month.month, 1, tzinfo=TOKYO)
    lines: dict[tuple[int, str, int], tuple[int, set[int]]] = {}
    entries = LedgerEntry.objects.filter(
        kind__in=["consume", "refund"],
        stay__office__operator=statement.operator,
        effective_at__lte=statement.closed_at,
        statement_entry__line__statement=statement,
    ).select_related("stay__office")
    for entry in entries:
        stay = entry.stay
        assert stay is not None
        kind = "usage" if stay.started_at >= start else "adjustment"
        rate = rates[stay.office.name](stay.started_at.astimezone(TOKYO).date())
        tickets, stays = lines.get((stay.office_id, kind, rate), (0, set()))
        lines[(stay.office_id, kind, rate)] = (tickets - entry.tickets, stays | {stay.pk})
    return {key: (tickets, len(stays)) for key, (tickets, stays) in lines.items()}


def statement_lines(statement: Statement) -> dict[tuple[int, str, int], tuple[int, int]]:
    return {
        (line.office_id, line.kind, line.yen_per_ticket): (line.tickets, line.stays)
        for line in statement.lines.all()
    }


def frozen(statement: Statement) -> list[tuple]:
    statement.refresh_from_db()
    lines = list(
        statement.lines.values_list(
            "office_id", "kind", "yen_per_ticket", "stays", "tickets", "amount"
        )
    )
    return [(statement.stays, statement.tickets, statement.amount, statement.tax_amount), *lines]


def test_the_statement_equals_the_ledger_and_a_late_refund_is_next_months_adjustment(network):
    net = network
    stays = october(net)
    with time_machine.travel(at(11, 1, 9), tick=False):
        statement = statement_close(operator=net.operator, month=OCTOBER)

    north, south = net.north.office_id, net.south.office_id
    expected = {
        (north, "usage", 500): (2, 1),  # early
        (north, "usage", 600): (1 + 2, 2),  # late (2 − 1 refunded) + boundary (1 + 1 extended)
        (south, "usage", 500): (2, 1),
        (south, "usage", 800): (2, 1),
    }
    assert statement_lines(statement) == expected
    assert statement_lines(statement) == ledger_lines(statement)
    # Every counted entry of the month's stays is there, September's stay is not.
    counted = set(
        StatementEntry.objects.filter(line__statement=statement).values_list("stay_id", flat=True)
    )
    assert counted == {s.pk for name, s in stays.items() if name != "september"}
    assert statement.amount == 2 * 500 + 3 * 600 + 2 * 500 + 2 * 800 == 5400
    assert statement.tax_amount == 5400 * 10 // 110 == 490
    assert statement.stays == 5 and statement.number == f"PS-202610-{net.operator.pk:06d}"
    before = frozen(statement)

    # A refund after the close: October's statement does not move, closing again changes nothing.
    net.refund(stays["early"], at(11, 5, 10))
    audits = AuditEntry.objects.count()
    with time_machine.travel(at(11, 6, 9), tick=False):
        again = statement_close(operator=net.operator, month=OCTOBER)
    assert again.pk == statement.pk and frozen(statement) == before
    assert AuditEntry.objects.count() == audits

    # November: its own usage plus the adjustment of October's early stay at October's rate.
    november_stay = net.visit(0, net.north, at(11, 10, 9))
    with time_machine.travel(at(12, 1, 0, 5), tick=False):
        assert statements_close_due() == 1
        assert statements_close_due() == 0  # the next tick finds nothing to do
    nov = Statement.objects.get(operator=net.operator, month=NOVEMBER)
    assert statement_lines(nov) == {
        (north, "adjustment", 500): (-1, 1),
        (north, "usage", 600): (2, 1),
    }
    assert statement_lines(nov) == ledger_lines(nov)
    assert nov.amount == 2 * 600 - 500 and nov.stays == 1
    assert set(
        StatementEntry.objects.filter(line__statement=nov).values_list("stay_id", flat=True)
    ) == {november_stay.pk, stays["early"].pk}
    assert frozen(statement) == before
    assert statement_breaches() == []


def test_the_report_payout_uses_the_rate_of_each_stays_day(network):
    net = network
    october(net)
    start, end = at(10, 1, 0), at(11, 1, 0)
    payout = payout_by_office(start, end)
    assert payout[net.north.office_id] == 2 * 500 + (1 + 2) * 600
    assert payout[net.south.office_id] == 2 * 500 + 2 * 800


def test_a_month_is_closed_only_once_it_is_over(network):
    with time_machine.travel(at(10, 31, 23, 59), tick=False), pytest.raises(DomainError) as refused:
        statement_close(operator=network.operator, month=OCTOBER)
    assert refused.value.code == "month_not_over"
    assert not Statement.objects.exists()


def test_the_worker_closes_the_previous_month_for_every_operator_once(network):
    other = Operator.objects.create(name="Bravo", payout_per_ticket=100)
    with time_machine.travel(at(11, 1, 0, 0), tick=False):
        assert statements_close_due() == 2
        assert statements_close_due() == 0
    assert set(Statement.objects.values_list("operator_id", "month")) == {
        (network.operator.pk, OCTOBER),
        (other.pk, OCTOBER),
    }
    assert AuditEntry.objects.filter(action="statement.close").count() == 2


def test_rates_are_appended_never_twice_for_a_day_and_never_inside_a_closed_month(network):
    net = network
    with pytest.raises(DomainError) as twice:
        payout_rate_add(
            actor=net.secretariat,
            operator=net.operator,
            yen_per_ticket=1,
            effective_from=date(2026, 10, 15),
        )
    assert twice.value.code == "rate_exists"
    # The database refuses it too (the constraint behind the service's check).
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutRate.objects.create(
            operator=net.operator,
            yen_per_ticket=1,
            effective_from=date(2026, 10, 15),
            created_at=at(10, 1, 0),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutRate.objects.create(
            operator=net.operator,
            office=net.south.office,
            yen_per_ticket=1,
            effective_from=date(2026, 10, 20),
            created_at=at(10, 1, 0),
        )
    with time_machine.travel(at(11, 1, 9), tick=False):
        statement_close(operator=net.operator, month=OCTOBER)
        with pytest.raises(DomainError) as closed:
            payout_rate_add(
                actor=net.secretariat,
                operator=net.operator,
                yen_per_ticket=1,
                effective_from=date(2026, 10, 31),
            )
        assert closed.value.code == "rate_in_closed_month"
        payout_rate_add(
            actor=net.secretariat,
            operator=net.operator,
            yen_per_ticket=650,
            effective_from=NOVEMBER,
        )
    assert PayoutRate.objects.filter(operator=net.operator).count() == 4
    assert AuditEntry.objects.filter(action="payout_rate.add").count() == 4


def test_an_entry_is_counted_once_and_a_line_is_tickets_times_rate(network):
    net = network
    stay = net.visit(0, net.north, at(10, 3, 9))
    with time_machine.travel(at(11, 1, 9), tick=False):
        statement = statement_close(operator=net.operator, month=OCTOBER)
    line = statement.lines.get()
    entry = StatementEntry.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementEntry.objects.create(
            line=line, ledger_entry_id=entry.ledger_entry_id, stay=stay, tickets=2
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.filter(pk=line.pk).update(amount=line.amount + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(
            operator=net.operator,
            month=OCTOBER,
            number="PS-dup",
            closed_at=at(11, 1, 9),
            operator_name="x",
            issuer_name="x",
            tax_rate_percent=10,
        )


def test_reconcile_finds_a_statement_that_no_longer_recomputes(network):
    net = network
    net.visit(0, net.north, at(10, 3, 9))
    with time_machine.travel(at(11, 1, 9), tick=False):
        statement = statement_close(operator=net.operator, month=OCTOBER)
    assert statement_breaches() == []
    line = statement.lines.get()
    StatementLine.objects.filter(pk=line.pk).update(tickets=3, amount=3 * line.yen_per_ticket)
    problems = statement_breaches()
    assert any("ledger entries give 2" in p for p in problems)
    assert any("totals differ" in p for p in problems)


def test_reconcile_finds_an_entry_of_a_closed_month_that_no_statement_counts(network):
    net = network
    net.visit(0, net.north, at(10, 3, 9))
    with time_machine.travel(at(11, 1, 9), tick=False):
        statement_close(operator=net.operator, month=OCTOBER)
    StatementEntry.objects.all().delete()
    StatementLine.objects.update(tickets=0, amount=0, stays=0)
    Statement.objects.update(tickets=0, amount=0, tax_amount=0)
    problems = statement_breaches()
    assert len(problems) == 1 and "is in no statement" in problems[0]


def test_the_registration_number_is_t_and_13_digits_and_frozen_on_the_statement(network, settings):
    net = network
    settings.INVOICE_ISSUER_REGISTRATION_NUMBER = "T1234567890123"
    for bad in ("1234567890123", "T123", "T12345678901234", "X1234567890123"):
        with pytest.raises(DomainError) as refused:
            operator_registration_set(actor=net.secretariat, operator=net.operator, number=bad)
        assert refused.value.code == "invalid_input"
    operator_registration_set(
        actor=net.secretariat, operator=net.operator, number="\uff549-8765-4321-0987"
    )
    net.operator.refresh_from_db()
    assert net.operator.registration_number == "T9876543210987"
    with pytest.raises(IntegrityError), transaction.atomic():
        Operator.objects.filter(pk=net.operator.pk).update(registration_number="T12")
    with time_machine.travel(at(11, 1, 9), tick=False):
        statement = statement_close(operator=net.operator, month=OCTOBER)
    assert statement.operator_registration_number == "T9876543210987"
    assert statement.issuer_registration_number == "T1234567890123"
    operator_registration_set(actor=net.secretariat, operator=net.operator, number="")
    statement.refresh_from_db()
    assert statement.operator_registration_number == "T9876543210987"


def test_the_operator_confirms_once_and_it_is_audited(network):
    net = network
    with time_machine.travel(at(11, 1, 9), tick=False):
        statement = statement_close(operator=net.operator, month=OCTOBER)
    with time_machine.travel(at(11, 2, 9), tick=False):
        confirmed = statement_confirm(actor=net.staff, statement=statement)
        statement_confirm(actor=net.staff, statement=statement)
    assert confirmed.status == "confirmed" and confirmed.confirmed_by == net.staff
    assert AuditEntry.objects.filter(action="statement.confirm").count() == 1


def test_a_tick_closes_within_its_budget_and_the_next_ticks_go_on(network, monkeypatch):
    from officepass.settlement import services

    for name in ("Bravo", "Charlie"):
        Operator.objects.create(name=name)
    monkeypatch.setattr(services, "CLOSE_BUDGET_SECONDS", -1.0)  # spent after one operator
    with time_machine.travel(at(11, 1, 0, 1), tick=False):
        assert [statements_close_due() for _ in range(4)] == [1, 1, 1, 0]
    assert Statement.objects.filter(month=OCTOBER).count() == 3


def test_the_console_report_pays_each_stay_at_its_days_rate(network):
    from officepass.console import reports
    from officepass.offices.models import Office

    net = network
    october(net)
    lines = {
        line["office"].name: line
        for line in reports.office_table(Office.objects.all(), reports.Month(2026, 10))
    }
    assert lines["North"]["payout"] == 2 * 500 + (1 + 2) * 600
    assert lines["South"]["payout"] == 2 * 500 + 2 * 800
    assert (lines["North"]["rate"], lines["South"]["rate"]) == (600, 800)  # on 31 October
    assert (
        lines["North"]["payout"]
        == payout_by_office(at(10, 1, 0), at(11, 1, 0))[net.north.office_id]
    )
