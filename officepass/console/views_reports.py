"""Monthly reports per operator and office, and per company for corporate admins (+ CSV)."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from officepass.accounts.selectors import company_employees
from officepass.console import access, charts, reports
from officepass.console.access import COMPANY, OFFICE_ROLES, SECRETARIAT, actor, console_view
from officepass.console.csvexport import csv_response
from officepass.core import clock
from officepass.core.errors import DomainError


def _month(request: HttpRequest) -> reports.Month:
    try:
        return reports.month_parse(request.GET.get("month"))
    except DomainError:
        messages.error(request, _("Give the month as YYYY-MM."))
        return reports.month_parse(None)


def _scope(request: HttpRequest) -> dict[str, Any]:
    """The stays a user's reports cover: all for the secretariat, else their operator's."""
    user = actor(request)
    return {} if user.is_staff else {"office__operator_id": user.operator_id}


def _network(request: HttpRequest) -> tuple[reports.Month, list[dict[str, Any]]]:
    month = _month(request)
    offices = access.offices_visible(actor(request))
    return month, reports.office_table(offices, month, **_scope(request))


@console_view(*OFFICE_ROLES)
def report_month(request: HttpRequest) -> HttpResponse:
    month, lines = _network(request)
    # The network page charts check-ins only: no per-row time arithmetic over the month.
    days, grid = reports.day_and_hour(month, hours=False, **_scope(request))
    context = {
        "month": month,
        "lines": lines,
        "operators": reports.operator_table(lines),
        "totals": reports.totals(lines),
        "days": days,
        "chart": charts.day_bars(days),
        "heat": charts.heat_rows(grid),
        "hours": range(24),
        # Row links built once, not reversed 2,000 times (1,000 offices on one page).
        "office_url": reverse("console:report-office", args=[0]).removesuffix("0/"),
    }
    return render(request, "console/report_month.html", context)


@console_view(*OFFICE_ROLES)
def report_offices_csv(request: HttpRequest) -> HttpResponse:
    month, lines = _network(request)
    header = [
        "month",
        "operator",
        "office_id",
        "office",
        "checkins",
        "tickets",
        "hours_h",
        "rate_yen_per_ticket",
        "payout_yen",
    ]
    rows = (
        [
            month,
            x["office"].operator.name,
            x["office"].pk,
            x["office"].name,
            x["checkins"],
            x["tickets"],
            x["hours"],
            x["rate"],
            x["payout"],
        ]
        for x in lines
    )
    return csv_response(f"offices-{month}.csv", header, rows)


@console_view(*OFFICE_ROLES)
def report_operators_csv(request: HttpRequest) -> HttpResponse:
    month, lines = _network(request)
    header = [
        "month",
        "operator_id",
        "operator",
        "offices",
        "checkins",
        "tickets",
        "hours_h",
        "payout_yen",
    ]
    rows = (
        [
            month,
            x["operator"].pk,
            x["operator"].name,
            x["offices"],
            x["checkins"],
            x["tickets"],
            x["hours"],
            x["payout"],
        ]
        for x in reports.operator_table(lines)
    )
    return csv_response(f"operators-{month}.csv", header, rows)


@console_view(*OFFICE_ROLES)
def report_office(request: HttpRequest, office_id: int) -> HttpResponse:
    office = access.access_office(user=actor(request), office_id=office_id)
    month = _month(request)
    days, grid = reports.day_and_hour(month, office=office)
    line = reports.office_table(
        access.offices_visible(actor(request)).filter(pk=office.pk), month, office=office
    )
    context = {
        "office": office,
        "month": month,
        "line": line[0],
        "days": days,
        "chart": charts.day_bars(days),
        "heat": charts.heat_rows(grid),
        "hours": range(24),
    }
    return render(request, "console/report_office.html", context)


@console_view(*OFFICE_ROLES)
def report_office_days_csv(request: HttpRequest, office_id: int) -> HttpResponse:
    office = access.access_office(user=actor(request), office_id=office_id)
    month = _month(request)
    rows = (
        [d["day"].isoformat(), d["checkins"], d["hours"]]
        for d in reports.day_and_hour(month, office=office)[0]
    )
    return csv_response(
        f"office-{office.pk}-days-{month}.csv", ["day", "checkins", "hours_h"], rows
    )


@console_view(*OFFICE_ROLES)
def report_office_hours_csv(request: HttpRequest, office_id: int) -> HttpResponse:
    office = access.access_office(user=actor(request), office_id=office_id)
    month = _month(request)
    grid = reports.day_and_hour(month, office=office)[1]
    rows = ([dow + 1, *counts] for dow, counts in enumerate(grid))
    header = ["iso_weekday", *(f"{h:02d}" for h in range(24))]
    return csv_response(f"office-{office.pk}-hours-{month}.csv", header, rows)


@console_view(*OFFICE_ROLES)
def report_office_stays(request: HttpRequest, office_id: int) -> HttpResponse:
    """The stays behind an office's payout line."""
    office = access.access_office(user=actor(request), office_id=office_id)
    month = _month(request)
    stays = reports.stay_lines(month, office=office)
    context = {"office": office, "month": month, "stays": stays}
    return render(request, "console/report_stays.html", context)


# Times with their offset on the network's calendar; figures named with their unit.
STAY_HEADER = [
    "stay_id",
    "started_at",
    "ended_at",
    "status",
    "space",
    "member",
    "minutes",
    "tickets_consumed",
    "refunded_tickets",
    "net_tickets",
]


def _stay_rows(stays: Any) -> Any:
    for s in stays:
        yield [
            s.pk,
            clock.network_iso(s.started_at),
            clock.network_iso(s.ended_at),
            s.status,
            s.space.name,
            s.member.email,
            s.minutes,
            s.tickets_consumed,
            s.refunded,
            s.net_tickets,
        ]


@console_view(*OFFICE_ROLES)
def report_office_stays_csv(request: HttpRequest, office_id: int) -> HttpResponse:
    office = access.access_office(user=actor(request), office_id=office_id)
    month = _month(request)
    stays = reports.stay_lines(month, office=office)
    return csv_response(f"office-{office.pk}-stays-{month}.csv", STAY_HEADER, _stay_rows(stays))


def _company_lines(company_id: int, month: reports.Month) -> list[dict[str, Any]]:
    usage = reports.usage_by("member_id", month, member__company_id=company_id)
    employees = company_employees(company_id)
    return [{"member": m, **usage.get(m.pk, reports.EMPTY)} for m in employees]


@console_view(SECRETARIAT, COMPANY)
def report_company(request: HttpRequest, company_id: int) -> HttpResponse:
    company = access.access_company(user=actor(request), company_id=company_id)
    month = _month(request)
    lines = _company_lines(company.pk, month)
    days, grid = reports.day_and_hour(month, member__company_id=company.pk)
    context = {
        "company": company,
        "month": month,
        "lines": lines,
        "totals": reports.totals(lines),
        "chart": charts.day_bars(days),
        "heat": charts.heat_rows(grid),
        "hours": range(24),
    }
    return render(request, "console/report_company.html", context)


@console_view(SECRETARIAT, COMPANY)
def report_company_csv(request: HttpRequest, company_id: int) -> HttpResponse:
    company = access.access_company(user=actor(request), company_id=company_id)
    month = _month(request)
    header = [
        "month",
        "member_id",
        "email",
        "checkins",
        "tickets",
        "hours_h",
        "monthly_cap_tickets",
    ]
    rows = (
        [
            month,
            x["member"].pk,
            x["member"].email,
            x["checkins"],
            x["tickets"],
            x["hours"],
            x["member"].monthly_ticket_cap if x["member"].monthly_ticket_cap is not None else "",
        ]
        for x in _company_lines(company.pk, month)
    )
    return csv_response(f"company-{company.pk}-{month}.csv", header, rows)


@console_view(SECRETARIAT, COMPANY)
def report_company_stays_csv(request: HttpRequest, company_id: int) -> HttpResponse:
    company = access.access_company(user=actor(request), company_id=company_id)
    month = _month(request)
    stays = reports.stay_lines(month, member__company_id=company.pk)
    return csv_response(f"company-{company.pk}-stays-{month}.csv", STAY_HEADER, _stay_rows(stays))
