"""Small builders for tests: an operator, an office, spaces, members with tickets."""

from typing import Any

from officepass.accounts.models import Plan, User
from officepass.offices import hours
from officepass.offices.codes import make_code
from officepass.offices.models import Office, Operator, Space
from officepass.tickets.models import TicketAccount
from officepass.tickets.services import ticket_grant

PASSWORD = "correct-horse-2026"


def plan(code: str = "individual-10", **extra: Any) -> Plan:
    defaults: dict[str, Any] = {
        "name": code,
        "kind": "individual",
        "tickets_per_cycle": 10,
        "extensions_need_tickets": True,
        "postpaid": False,
    }
    defaults.update(extra)
    return Plan.objects.update_or_create(code=code, defaults=defaults)[0]


def corporate_plan() -> Plan:
    return plan(
        "corporate",
        kind="corporate",
        tickets_per_cycle=0,
        extensions_need_tickets=False,
        postpaid=True,
    )


def office(name: str = "Test Office", **extra: Any) -> Office:
    operator = extra.pop("operator", None) or Operator.objects.create(name=f"Op {name}")
    fields: dict[str, Any] = {
        "operator": operator,
        "name": name,
        "address": "Tokyo",
        "lat": 35.68,
        "lng": 139.76,
        "timezone": "Asia/Tokyo",
        "opening_hours": hours.always_open(),
        "unit_minutes": 120,
        "max_stay_minutes": 480,
        "help_desk_phone": "03-0000-0000",
    }
    fields.update(extra)
    return Office.objects.create(**fields)


def space(office_: Office | None = None, **extra: Any) -> Space:
    fields: dict[str, Any] = {"name": "Open", "seat_type": "open", "quota": 2}
    fields.update(extra)
    return Space.objects.create(office=office_ or office(), **fields)


def code_for(space_: Space) -> str:
    space_.refresh_from_db(fields=["code_version"])
    return make_code(space_.pk, space_.code_version)


def member(email: str = "m@example.com", *, tickets: int = 10, plan_: Plan | None = None) -> User:
    the_plan = plan_ or plan()
    user = User.objects.create_user(email, PASSWORD, plan=the_plan)
    TicketAccount.objects.create(member=user, postpaid=the_plan.postpaid)
    if tickets:
        ticket_grant(actor=None, member=user, tickets=tickets, reason="test grant")
    return user


def corporate_member(email: str = "c@example.com") -> User:
    return member(email, tickets=0, plan_=corporate_plan())
