"""Console pages for people: trouble reports, members and plans, companies, the audit log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from officepass.accounts.models import Company, User
from officepass.console import access, forms, services
from officepass.console.access import COMPANY, OFFICE_ROLES, SECRETARIAT, actor, console_view
from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.locks.models import LockCommand
from officepass.offices.models import Operator
from officepass.support.models import TroubleReport
from officepass.tickets.selectors import balance_of
from officepass.tickets.services import ticket_grant, ticket_purchase_pack


@console_view(*OFFICE_ROLES)
def trouble_list(request: HttpRequest) -> HttpResponse:
    reports = access.troubles_visible(actor(request)).order_by("-created_at")
    status = request.GET.get("status", "")
    if status in TroubleReport.Status.values:
        reports = reports.filter(status=status)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": TroubleReport.Status.choices}
    return render(request, "console/trouble_list.html", context)


@console_view(*OFFICE_ROLES)
def trouble_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = access.access_trouble(user=actor(request), report_id=report_id)
    form = forms.TroubleStatusForm(request.POST or None, initial={"status": report.status})
    if request.method == "POST" and form.is_valid():
        services.trouble_report_set_status(
            actor=actor(request), report=report, status=form.cleaned_data["status"]
        )
        messages.success(request, _("Saved."))
        return redirect("console:trouble", report_id=report.pk)
    stay = access.trouble_stay_visible(user=actor(request), report=report)
    commands = LockCommand.objects.filter(stay=stay).order_by("id") if stay else []
    context = {"report": report, "stay": stay, "form": form, "commands": commands}
    return render(request, "console/trouble_detail.html", context)


@console_view(SECRETARIAT)
def member_list(request: HttpRequest) -> HttpResponse:
    members = User.objects.select_related("plan", "company").order_by("email")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        members = members.filter(email__icontains=query)
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
    }
    return render(request, "console/member_detail.html", context)


@console_view(SECRETARIAT)
def member_action(request: HttpRequest, member_id: int, action: str) -> HttpResponse:
    """Plan change, manual grant or add-on pack, each audited by its service."""
    member = access.access_member(user=actor(request), member_id=member_id)
    if action not in ("plan", "grant", "pack"):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        form: forms.forms.Form | None
        if action == "plan":
            form = forms.PlanForm(request.POST)
            if form.is_valid():
                services.member_plan_change(
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
    companies = Company.objects.select_related("plan").order_by("name")
    if not user.is_staff:
        companies = companies.filter(pk=user.company_id or 0)
    form = forms.CompanyForm(request.POST or None) if user.is_staff else None
    if form is not None and request.method == "POST" and form.is_valid():
        services.company_create(actor=user, **form.cleaned_data)
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
        services.member_cap_set(actor=actor(request), member=member, cap=form.cleaned_data["cap"])
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Check the form."))
    return redirect("console:company-report", company_id=member.company_id)


AUDIT_FILTERS = ("action", "target_type", "target_id", "actor")


@console_view(SECRETARIAT)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.order_by("-created_at", "-id")
    filters = {key: request.GET.get(key, "").strip()[:64] for key in AUDIT_FILTERS}
    if filters["action"]:
        entries = entries.filter(action__startswith=filters["action"])
    if filters["target_type"]:
        entries = entries.filter(target_type=filters["target_type"])
    if filters["target_id"]:
        entries = entries.filter(target_id=filters["target_id"])
    if filters["actor"]:
        entries = entries.filter(actor_label__icontains=filters["actor"])
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "console/audit.html", {"page": page, "filters": filters})


@console_view(SECRETARIAT)
def operator_list(request: HttpRequest) -> HttpResponse:
    """Operators and their payout rate per ticket (the secretariat sets it)."""
    operators = Operator.objects.annotate(office_count=Count("offices")).order_by("name")
    return render(request, "console/operator_list.html", {"operators": operators})


@console_view(SECRETARIAT)
def operator_rate(request: HttpRequest, operator_id: int) -> HttpResponse:
    operator = Operator.objects.filter(pk=operator_id).first()
    if operator is None:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.RateForm(request.POST)
    if form.is_valid():
        services.operator_rate_set(
            actor=actor(request), operator=operator, rate=form.cleaned_data["payout_per_ticket"]
        )
        messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Check the form."))
    return redirect("console:operators")
