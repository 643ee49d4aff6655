"""Load the demo network idempotently (running it twice changes nothing)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction

from officepass.accounts.models import Company, Plan, User
from officepass.core import clock
from officepass.demo import data
from officepass.invoices.models import CompanyTicketRate
from officepass.invoices.services import company_rate_set
from officepass.offices import hours
from officepass.offices.models import Office, Operator, Space
from officepass.offices.rules_catalogue import DEFAULT_ALLOWED, DEFAULT_FORBIDDEN
from officepass.payments.demo_pay import demo_checkout_pay
from officepass.payments.models import CheckoutIntent
from officepass.payments.providers.registry import default_provider_name
from officepass.payments.selectors import member_subscription
from officepass.payments.services import checkout_start
from officepass.tickets.cycles import add_month
from officepass.tickets.models import TicketAccount
from officepass.tickets.services import ticket_grant


def _night_closed() -> dict[str, list[str]]:
    return {day: ["08:00", "22:00"] for day in hours.DAYS}


def _load_offices(operators: list[Operator]) -> list[Office]:
    offices = []
    for index, (name, address, lat, lng, op) in enumerate(data.OFFICES):
        office, _ = Office.objects.update_or_create(
            name=name,
            defaults={
                "operator": operators[op],
                "address": address,
                "lat": lat,
                "lng": lng,
                "timezone": "Asia/Tokyo",
                "opening_hours": _night_closed()
                if index == data.NIGHT_CLOSED_OFFICE
                else hours.always_open(),
                "unit_minutes": 240 if index == data.UNIT_240_OFFICE else 120,
                "max_stay_minutes": 480,
                "extension_window_minutes": 15,
                "help_desk_phone": f"03-5555-{1000 + index:04d}",
                "rules_allowed": DEFAULT_ALLOWED,
                "rules_forbidden": DEFAULT_FORBIDDEN,
            },
        )
        for space_name, seat_type in data.LAYOUTS[index % len(data.LAYOUTS)]:
            Space.objects.get_or_create(
                office=office, name=space_name, defaults={"seat_type": seat_type, "quota": 2}
            )
        offices.append(office)
    return offices


def _member(
    email: str, plan: Plan, *, tickets: int, company: Company | None = None, **extra: object
) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, data.PASSWORD, plan=plan, company=company, **extra)
    TicketAccount.objects.get_or_create(member=user, defaults={"postpaid": plan.postpaid})
    if plan.postpaid or user.cycle_ends_at is not None:
        return user
    # First cycle: from the start of this local month to the same day next month.
    start = datetime.combine(
        clock.now().astimezone(ZoneInfo("Asia/Tokyo")).date().replace(day=1),
        time(),
        ZoneInfo("Asia/Tokyo"),
    )
    user.cycle_ends_at = add_month(start)
    user.save(update_fields=["cycle_ends_at"])
    ticket_grant(
        actor=None,
        member=user,
        tickets=tickets,
        reason=f"demo grant: {plan.name}",
        key=f"demo:{email}",
    )
    return user


def _paid_member(email: str, plan: Plan) -> None:
    """A member who bought `plan` by card on the demo provider's TEST MODE page (only when the
    demo provider is the one in use: never a real charge from load_demo)."""
    if default_provider_name() != "demo":
        return
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, data.PASSWORD, name="Paid Member")
    if member_subscription(user) is not None:
        return
    intent = checkout_start(
        member=user,
        plan=plan,
        kind=CheckoutIntent.Kind.SUBSCRIPTION,
        next_path="",
        base_url="http://127.0.0.1",
    )
    demo_checkout_pay(session_id=intent.session_id)


@transaction.atomic
def load_demo() -> dict[str, int]:
    operators = [
        Operator.objects.update_or_create(name=o["name"], defaults=o)[0] for o in data.OPERATORS
    ]
    offices = _load_offices(operators)
    plans = {
        p["code"]: Plan.objects.update_or_create(code=p["code"], defaults=p)[0] for p in data.PLANS
    }
    company, _ = Company.objects.update_or_create(
        code=data.COMPANY["code"],
        defaults={"name": data.COMPANY["name"], "plan": plans["corporate"]},
    )
    if not CompanyTicketRate.objects.filter(company=company).exists():
        # The corporate price per ticket its monthly invoice uses (tax included).
        company_rate_set(
            company=company,
            yen_per_ticket=data.COMPANY_YEN_PER_TICKET,
            effective_from=datetime(2020, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
            actor=None,
        )
    basic = plans["individual-10"]
    _member("basic@example.com", basic, tickets=10, name="Basic Member")
    _member("lowbalance@example.com", basic, tickets=1, name="Low Balance")
    _member("corp@example.com", plans["corporate"], tickets=0, company=company, name="Corp Member")
    for n in range(1, 51):
        _member(f"member{n:02d}@example.com", plans["corporate"], tickets=0, company=company)
    _paid_member("paid@example.com", plans["individual-20"])
    if not User.objects.filter(email="corpadmin@example.com").exists():
        User.objects.create_user(
            "corpadmin@example.com",
            data.PASSWORD,
            plan=plans["corporate"],
            company=company,
            is_company_admin=True,
            name="Corporate Admin",
        )
    if not User.objects.filter(email="operator@example.com").exists():
        User.objects.create_user(
            "operator@example.com", data.PASSWORD, operator=operators[0], name="Operator Staff"
        )
    if not User.objects.filter(email="admin@example.com").exists():
        User.objects.create_superuser("admin@example.com", data.PASSWORD, name="Secretariat")
    return {"offices": len(offices), "spaces": Space.objects.count(), "users": User.objects.count()}
