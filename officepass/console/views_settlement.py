"""Console pages of settlement: an operator's payout rates and registration number, the monthly
payout statements (page, PDF, CSV of lines and of the ledger entries behind them), closing a
month (the secretariat; the worker does it on the first day) and the operator's confirmation."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from officepass.console import forms
from officepass.console.access import (
    OFFICE_ROLES,
    OPERATOR,
    SECRETARIAT,
    actor,
    console_view,
    roles_of,
)
from officepass.console.csvexport import csv_response
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.offices import services as office_services
from officepass.offices.access import access_operator
from officepass.settlement import documents, services
from officepass.settlement.selectors import (
    access_statement,
    network_date,
    rate_today,
    rates_of,
    statements_visible,
)


@console_view(*OFFICE_ROLES)
def operator_detail(request: HttpRequest, operator_id: int) -> HttpResponse:
    operator = access_operator(user=actor(request), operator_id=operator_id)
    user = actor(request)
    context = {
        "operator": operator,
        "rate_now": rate_today(operator),
        "rates": rates_of(operator),
        "statements": statements_visible(user).filter(operator=operator)[:24],
        "rate_form": forms.PayoutRateForm(
            operator_id=operator.pk, initial={"effective_from": network_date(clock.now())}
        )
        if user.is_staff
        else None,
        "registration_form": forms.RegistrationForm(
            initial={"registration_number": operator.registration_number}
        ),
    }
    return render(request, "console/operator_detail.html", context)


@console_view(SECRETARIAT)
def operator_rate(request: HttpRequest, operator_id: int) -> HttpResponse:
    """Append a payout rate (the old rates stay: statements and reports of earlier months
    keep theirs)."""
    operator = access_operator(user=actor(request), operator_id=operator_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.PayoutRateForm(request.POST, operator_id=operator.pk)
    if form.is_valid():
        try:
            services.payout_rate_add(actor=actor(request), operator=operator, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Check the form."))
    return redirect("console:operator", operator_id=operator.pk)


@console_view(*OFFICE_ROLES)
def operator_registration(request: HttpRequest, operator_id: int) -> HttpResponse:
    operator = access_operator(user=actor(request), operator_id=operator_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.RegistrationForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("invalid_input", field="registration_number")
        office_services.operator_registration_set(
            actor=actor(request),
            operator=operator,
            number=form.cleaned_data["registration_number"],
        )
    except DomainError:
        messages.error(request, _("A registration number is T followed by 13 digits."))
    else:
        messages.success(request, _("Saved."))
    return redirect("console:operator", operator_id=operator.pk)


@console_view(*OFFICE_ROLES)
def statement_list(request: HttpRequest) -> HttpResponse:
    statements = statements_visible(actor(request))
    page = Paginator(statements, 50).get_page(request.GET.get("page"))
    close_form = forms.MonthForm() if actor(request).is_staff else None
    return render(request, "console/statement_list.html", {"page": page, "close_form": close_form})


@console_view(SECRETARIAT)
def statement_close(request: HttpRequest) -> HttpResponse:
    """Close a month for every operator now (the worker does it on the first day anyway);
    a month already closed is left as it is."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the month as YYYY-MM."))
        return redirect("console:statements")
    year, month = (int(part) for part in form.cleaned_data["month"].split("-"))
    try:
        if not 1 <= month <= 12:
            raise DomainError("invalid_input", field="month")
        written = services.statements_close_month(month=date(year, month, 1), actor=actor(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(count)d statements written.") % {"count": written})
    return redirect("console:statements")


@console_view(*OFFICE_ROLES)
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = access_statement(user=actor(request), statement_id=statement_id)
    user = actor(request)
    can_confirm = (
        OPERATOR in roles_of(user)
        and user.operator_id == statement.operator_id
        and statement.status == statement.Status.ISSUED
    )
    first, last = documents.period(statement)
    context = {
        "statement": statement,
        "lines": statement.lines.all(),
        "first": first,
        "last": last,
        "confirm_form": forms.ConfirmForm() if can_confirm else None,
    }
    return render(request, "console/statement_detail.html", context)


@console_view(*OFFICE_ROLES)
def statement_pdf(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = access_statement(user=actor(request), statement_id=statement_id)
    response = HttpResponse(documents.statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{statement.number}.pdf"'
    return response


@console_view(*OFFICE_ROLES)
def statement_csv(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = access_statement(user=actor(request), statement_id=statement_id)
    rows = documents.line_rows(statement)
    return csv_response(f"{statement.number}.csv", documents.LINE_HEADER, rows)


@console_view(*OFFICE_ROLES)
def statement_entries_csv(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = access_statement(user=actor(request), statement_id=statement_id)
    rows = documents.entry_rows(statement)
    return csv_response(f"{statement.number}-stays.csv", documents.ENTRY_HEADER, rows)


@console_view(OPERATOR)
def statement_confirm(request: HttpRequest, statement_id: int) -> HttpResponse:
    """The operator's staff confirm their statement: only with the box ticked, audited."""
    statement = access_statement(user=actor(request), statement_id=statement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if statement.operator_id != actor(request).operator_id:
        raise DomainError("not_found")
    form = forms.ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm."))
    else:
        services.statement_confirm(actor=actor(request), statement=statement)
        messages.success(request, _("Confirmed."))
    return redirect("console:statement", statement_id=statement.pk)
