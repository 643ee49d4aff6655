"""Console pages for selling the pass (secretariat): the plan catalogue, payments (and the
failed ones), subscriptions, money refunds with reason, corporate applications to screen;
CSV export of each."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officepass.accounts.selectors import (
    company_application_get,
    company_applications,
    corporate_plans,
    plan_get,
    plans_all,
)
from officepass.accounts.services import company_application_decide, plan_save
from officepass.console import forms
from officepass.console.access import SECRETARIAT, actor, console_view
from officepass.console.csvexport import csv_response
from officepass.core.errors import DomainError
from officepass.payments import selectors
from officepass.payments.refunds import refund_request, refund_send, refundable_yen


@console_view(SECRETARIAT)
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "console/plan_list.html", {"plans": plans_all()})


def _plan_form_page(request: HttpRequest, plan: object) -> HttpResponse:
    form = forms.PlanCatalogueForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            saved = plan_save(
                actor=actor(request),
                plan=form.save(commit=False),
                offices=form.cleaned_data["offices"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("console:plan", plan_id=saved.pk)
    return render(request, "console/plan_edit.html", {"form": form, "plan": plan})


@console_view(SECRETARIAT)
def plan_new(request: HttpRequest) -> HttpResponse:
    return _plan_form_page(request, None)


@console_view(SECRETARIAT)
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_form_page(request, plan_get(plan_id))


def _payments(request: HttpRequest):  # type: ignore[no-untyped-def]
    rows = selectors.payments_all()
    status = request.GET.get("status", "")
    if status in ("paid", "failed"):
        rows = rows.filter(status=status)
    return rows, status


@console_view(SECRETARIAT)
def payment_list(request: HttpRequest) -> HttpResponse:
    rows, status = _payments(request)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    pending = selectors.events_pending().count()
    context = {"page": page, "status": status, "pending_events": pending}
    return render(request, "console/payment_list.html", context)


@console_view(SECRETARIAT)
def payment_csv(request: HttpRequest) -> HttpResponse:
    rows, status = _payments(request)
    return csv_response(
        f"payments{'-' + status if status else ''}.csv",
        [
            "id",
            "occurred_at",
            "member",
            "plan",
            "kind",
            "status",
            "amount_yen",
            "tax_rate_percent",
            "provider",
            "provider_reference",
            "grant",
            "receipt",
        ],
        (
            [
                p.pk,
                p.occurred_at.isoformat(),
                p.member.email,
                p.plan.code,
                p.kind,
                p.status,
                p.amount_yen,
                p.tax_rate_percent,
                p.provider,
                p.provider_reference,
                p.grant_id,
                p.receipt_id,
            ]
            for p in rows.iterator()
        ),
    )


@console_view(SECRETARIAT)
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = selectors.payment_get(payment_id)
    form = forms.MoneyRefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            refund_request(
                actor=actor(request),
                payment=payment,
                amount_yen=form.cleaned_data["amount_yen"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Refunded."))
            return redirect("console:payment", payment_id=payment.pk)
    context = {
        "payment": payment,
        "refunds": payment.refunds.all(),
        "refundable": refundable_yen(payment),
        "form": form,
    }
    return render(request, "console/payment_detail.html", context)


@console_view(SECRETARIAT)
@require_POST
def refund_retry(request: HttpRequest, refund_id: int) -> HttpResponse:
    refund = selectors.refund_get(refund_id)
    try:
        refund_send(refund=refund, actor=actor(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Refunded."))
    return redirect("console:payment", payment_id=refund.payment_id)


@console_view(SECRETARIAT)
def subscription_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.subscriptions_all(), 50).get_page(request.GET.get("page"))
    return render(request, "console/subscription_list.html", {"page": page})


@console_view(SECRETARIAT)
def subscription_csv(request: HttpRequest) -> HttpResponse:
    return csv_response(
        "subscriptions.csv",
        [
            "id",
            "member",
            "plan",
            "next_plan",
            "status",
            "cancel_at_period_end",
            "current_period_end",
            "provider",
            "provider_subscription_id",
        ],
        (
            [
                s.pk,
                s.member.email,
                s.plan.code,
                s.next_plan.code if s.next_plan else "",
                s.status,
                s.cancel_at_period_end,
                s.current_period_end.isoformat() if s.current_period_end else "",
                s.provider,
                s.provider_subscription_id,
            ]
            for s in selectors.subscriptions_all().iterator()
        ),
    )


@console_view(SECRETARIAT)
def refund_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.refunds_all(), 50).get_page(request.GET.get("page"))
    return render(request, "console/refund_list.html", {"page": page})


@console_view(SECRETARIAT)
def refund_csv(request: HttpRequest) -> HttpResponse:
    return csv_response(
        "refunds.csv",
        [
            "id",
            "created_at",
            "payment",
            "member",
            "amount_yen",
            "reason",
            "status",
            "by",
            "provider_reference",
            "return_invoice",
        ],
        (
            [
                r.pk,
                r.created_at.isoformat(),
                r.payment_id,
                r.payment.member.email,
                r.amount_yen,
                r.reason,
                r.status,
                r.created_by.email,
                r.provider_reference,
                r.return_invoice_id,
            ]
            for r in selectors.refunds_all().iterator()
        ),
    )


@console_view(SECRETARIAT)
def application_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(company_applications(), 50).get_page(request.GET.get("page"))
    return render(request, "console/application_list.html", {"page": page})


@console_view(SECRETARIAT)
def application_csv(request: HttpRequest) -> HttpResponse:
    return csv_response(
        "company-applications.csv",
        [
            "id",
            "created_at",
            "company_name",
            "contact_name",
            "applicant",
            "phone",
            "employees",
            "status",
            "company_code",
            "decided_by",
            "note",
        ],
        (
            [
                a.pk,
                a.created_at.isoformat(),
                a.company_name,
                a.contact_name,
                a.applicant.email,
                a.phone,
                a.employees,
                a.status,
                a.company.code if a.company else "",
                a.decided_by.email if a.decided_by else "",
                a.note,
            ]
            for a in company_applications().select_related("decided_by").iterator()
        ),
    )


@console_view(SECRETARIAT)
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = company_application_get(application_id)
    error = None
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        plan = corporate_plans().filter(pk=request.POST.get("plan") or 0).first()
        try:
            if decision not in ("approve", "reject"):
                raise DomainError("invalid_input", field="decision")
            company_application_decide(
                actor=actor(request),
                application=application,
                approve=decision == "approve",
                plan=plan,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Saved."))
            return redirect("console:application", application_id=application.pk)
    context = {"application": application, "plans": corporate_plans(), "error": error}
    return render(request, "console/application_detail.html", context)
