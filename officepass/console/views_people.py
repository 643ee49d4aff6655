"""Console pages for people: trouble reports, members and plans, companies, the audit log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from officepass.accounts import services as account_services
from officepass.accounts.selectors import companies_visible, members_search
from officepass.console import access, forms
from officepass.console.access import COMPANY, OFFICE_ROLES, SECRETARIAT, actor, console_view
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.core.selectors import AUDIT_FILTERS, audit_entries
from officepass.offices.selectors import operators_with_office_count
from officepass.payments.selectors import member_payments, member_subscription
from officepass.settlement.selectors import network_date, rate_book
from officepass.stays.selectors import stay_lock_commands, trouble_stay_visible
from officepass.support import services as support_services
from officepass.support.models import TroubleReport
from officepass.support.selectors import trouble_assignees, trouble_entries
from officepass.tickets import services as ticket_services
from officepass.tickets.selectors import balance_of
from officepass.tickets.services import ticket_grant, ticket_purchase_pack


@console_view(*OFFICE_ROLES)
def trouble_list(request: HttpRequest) -> HttpResponse:
    """The inbox: filters by status, kind, office name and who has it."""
    user = actor(request)
    reports = access.troubles_visible(user).select_related("assignee").order_by("-created_at")
    status, kind = request.GET.get("status", ""), request.GET.get("kind", "")
    who, office = request.GET.get("assignee", ""), request.GET.get("office", "").strip()[:100]
    if status in TroubleReport.Status.values:
        reports = reports.filter(status=status)
    if kind in TroubleReport.Kind.values:
        reports = reports.filter(kind=kind)
    if who == "me":
        reports = reports.filter(assignee=user)
    elif who == "none":
        reports = reports.filter(assignee__isnull=True)
    if office:
        reports = reports.filter(office__name__icontains=office)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": TroubleReport.Status.choices,
        "kind": kind,
        "kinds": TroubleReport.Kind.choices,
        "assignee": who,
        "office": office,
    }
    return render(request, "console/trouble_list.html", context)


@console_view(*OFFICE_ROLES)
def trouble_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    user = actor(request)
    report = access.access_trouble(user=user, report_id=report_id)
    form = forms.TroubleStatusForm(request.POST or None, initial={"status": report.status})
    people = trouble_assignees(report)
    assign_form = forms.TroubleAssignForm(
        people, request.POST or None, initial={"assignee": report.assignee_id}
    )
    note_form = forms.TroubleTextForm(request.POST or None)
    action = request.POST.get("action", "status")
    if request.method == "POST":
        done = False
        if action == "status" and form.is_valid():
            support_services.trouble_report_set_status(
                actor=user, report=report, status=form.cleaned_data["status"]
            )
            done = True
        elif action == "assign" and assign_form.is_valid():
            support_services.trouble_assign(
                actor=user, report=report, assignee=assign_form.cleaned_data["assignee"]
            )
            done = True
        elif action in ("note", "reply") and note_form.is_valid():
            write = (
                support_services.trouble_note_add
                if action == "note"
                else support_services.trouble_reply
            )
            try:
                write(actor=user, report=report, body=note_form.cleaned_data["body"])
                done = True
            except DomainError:
                note_form.add_error("body", _("This report has no member to reply to."))
        if done:
            messages.success(request, _("Saved."))
            return redirect("console:trouble", report_id=report.pk)
    stay = trouble_stay_visible(user=user, report=report)
    commands = stay_lock_commands(stay) if stay else []
    context = {
        "report": report,
        "stay": stay,
        "form": form,
        "assign_form": assign_form,
        "note_form": note_form,
        "entries": trouble_entries(report),
        "commands": commands,
    }
    return render(request, "console/trouble_detail.html", context)


@console_view(SECRETARIAT)
def member_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    members = members_search(query)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(request, "console/member_list.html", {"page": page, "q": query})


@console_view(SECRETARIAT)
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    member = access.access_member(user=actor(request), member_id=member_id)
    context = {
        "member": member,
        "balance": balance_of(member),
        "entries": member.ledger_entries.all()[:50],
        "plan_form": forms.PlanForm(initial={"plan": member.plan_id}),
        "grant_form": forms.GrantForm(),
        "subscription": member_subscription(member),
        "payments": member_payments(member)[:50],
    }
    return render(request, "console/member_detail.html", context)


@console_view(SECRETARIAT)
def member_action(request: HttpRequest, member_id: int, action: str) -> HttpResponse:
    """Plan change, manual grant or add-on pack, each audited by its service."""
    member = access.access_member(user=actor(request), member_id=member_id)
    if action not in ("plan", "grant", "pack"):
        raise DomainError("not_found")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        form: forms.forms.Form | None
        if action == "plan":
            form = forms.PlanForm(request.POST)
            if form.is_valid():
                ticket_services.member_plan_change(
                    actor=actor(request), member=member, plan=form.cleaned_data["plan"]
                )
        elif action == "grant":
            form = forms.GrantForm(request.POST)
            if form.is_valid():
                ticket_grant(actor=actor(request), member=member, **form.cleaned_data)
        else:
            form = None
            ticket_purchase_pack(actor=actor(request), member=member)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if form is not None and not form.is_valid():
            messages.error(request, _("Check the form."))
        else:
            messages.success(request, _("Saved."))
    return redirect("console:member", member_id=member.pk)


@console_view(SECRETARIAT, COMPANY)
def company_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    companies = companies_visible(user)
    form = forms.CompanyForm(request.POST or None) if user.is_staff else None
    if form is not None and request.method == "POST" and form.is_valid():
        account_services.company_create(actor=user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("console:companies")
    return render(request, "console/company_list.html", {"companies": companies, "form": form})


@console_view(SECRETARIAT, COMPANY)
def member_cap(request: HttpRequest, member_id: int) -> HttpResponse:
    """A corporate admin (or the secretariat) sets an employee's monthly ticket cap."""
    member = access.access_member(user=actor(request), member_id=member_id)
    if request.method != "POST" or not member.company_id:
        return HttpResponseNotAllowed(["POST"])
    form = forms.CapForm(request.POST)
    if form.is_valid():
        account_services.member_cap_set(
            actor=actor(request), member=member, cap=form.cleaned_data["cap"]
        )
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Check the form."))
    return redirect("console:company-report", company_id=member.company_id)


@console_view(SECRETARIAT, COMPANY)
def member_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    """A corporate admin (or the secretariat) removes an employee from the company: access
    stops; a running stay ends at its deadline (never cut short)."""
    member = access.access_member(user=actor(request), member_id=member_id)
    if request.method != "POST" or not member.company_id:
        return HttpResponseNotAllowed(["POST"])
    company_id = member.company_id
    try:
        account_services.company_employee_remove(actor=actor(request), member=member)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Removed."))
    return redirect("console:company-report", company_id=company_id)


@console_view(SECRETARIAT)
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log with the vocabulary's labels (core/actions.py)."""
    filters = {key: request.GET.get(key, "").strip()[:64] for key in AUDIT_FILTERS}
    page = Paginator(audit_entries(filters), 100).get_page(request.GET.get("page"))
    return render(request, "console/audit.html", {"page": page, "filters": filters})


@console_view(SECRETARIAT)
def operator_list(request: HttpRequest) -> HttpResponse:
    """Operators, their payout rate in force today and registration number."""
    operators = list(operators_with_office_count())
    book = rate_book()
    today = network_date(clock.now())
    rows = [{"operator": o, "rate": book.rate(o.pk, 0, today)} for o in operators]
    return render(request, "console/operator_list.html", {"rows": rows})
