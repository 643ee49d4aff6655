"""Money in the console (docs/money.md): company invoices with their status (the secretariat
and each company's admin, for their own company), receipts and refunds (the secretariat),
the PDFs, CSV exports of each, marking an invoice paid and a company's price per ticket."""

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from officepass.console import access
from officepass.console.access import COMPANY, SECRETARIAT, actor, console_view
from officepass.console.csvexport import csv_response
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.invoices import pdf, selectors
from officepass.invoices import services as money
from officepass.invoices.models import CompanyInvoice


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _status(invoice: CompanyInvoice) -> str:
    return "paid" if hasattr(invoice, "payment") else "issued"


def _day(value: datetime) -> str:
    return value.astimezone(clock.network_zone()).strftime("%Y-%m-%d")


def _month(invoice: CompanyInvoice) -> str:
    return invoice.period_start.astimezone(clock.network_zone()).strftime("%Y-%m")


def _invoices(request: HttpRequest) -> Any:
    filters = {}
    company = request.GET.get("company", "")
    if company.isdigit():
        filters["company_id"] = int(company)
    return selectors.company_invoices_visible(actor(request), **filters)


@console_view(SECRETARIAT, COMPANY)
def invoice_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_invoices(request), 50).get_page(request.GET.get("page"))
    rows = [{"invoice": i, "status": _status(i), "month": _month(i)} for i in page]
    return render(request, "console/money_invoices.html", {"page": page, "rows": rows})


INVOICE_HEADER = [
    "number",
    "company",
    "month",
    "issued_at",
    "tickets",
    "total_yen",
    "tax_yen",
    "status",
    "paid_at",
]


@console_view(SECRETARIAT, COMPANY)
def invoice_list_csv(request: HttpRequest) -> HttpResponse:
    rows = (
        [
            i.code,
            i.recipient_name,
            _month(i),
            _day(i.issued_at),
            i.tickets,
            i.total_yen,
            i.tax_yen,
            _status(i),
            _day(i.payment.paid_at) if hasattr(i, "payment") else "",
        ]
        for i in _invoices(request).iterator()
    )
    return csv_response("invoices.csv", INVOICE_HEADER, rows)


@console_view(SECRETARIAT, COMPANY)
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.access_company_invoice(user=actor(request), invoice_id=invoice_id)
    return _pdf(pdf.render_company_invoice_pdf(invoice), f"{invoice.code}.pdf")


@console_view(SECRETARIAT)
def invoice_mark_paid(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.access_company_invoice(user=actor(request), invoice_id=invoice_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        money.company_invoice_mark_paid(
            invoice=invoice, actor=actor(request), note=request.POST.get("note", "")
        )
        messages.success(request, _("Marked as paid."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("console:money-invoices")


@console_view(SECRETARIAT)
def receipt_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.receipts_all(), 50).get_page(request.GET.get("page"))
    return render(request, "console/money_receipts.html", {"page": page})


@console_view(SECRETARIAT)
def receipt_list_csv(request: HttpRequest) -> HttpResponse:
    header = ["number", "issued_at", "paid_at", "payer", "provider", "reference"]
    header += ["total_yen", "tax_yen", "total_10_yen", "tax_10_yen", "total_8_yen", "tax_8_yen"]
    rows = (
        [
            r.code,
            _day(r.issued_at),
            _day(r.occurred_at),
            r.payer.email,
            r.provider,
            r.provider_reference,
            r.total_yen,
            r.tax_yen,
            *_rate(r.rate_totals, "10"),
            *_rate(r.rate_totals, "8"),
        ]
        for r in selectors.receipts_all().iterator()
    )
    return csv_response("receipts.csv", header, rows)


def _rate(totals: dict[str, dict[str, int]], rate: str) -> tuple[int, int]:
    figures = totals.get(rate, {})
    return figures.get("total_yen", 0), figures.get("tax_yen", 0)


@console_view(SECRETARIAT)
def receipt_pdf(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = selectors.receipt_get(receipt_id)
    return _pdf(pdf.render_receipt_pdf(receipt), f"{receipt.code}.pdf")


@console_view(SECRETARIAT)
def refund_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.return_invoices_all(), 50).get_page(request.GET.get("page"))
    return render(request, "console/money_refunds.html", {"page": page})


@console_view(SECRETARIAT)
def refund_list_csv(request: HttpRequest) -> HttpResponse:
    header = ["number", "issued_at", "refunded_at", "receipt", "payer", "amount_yen", "tax_yen"]
    header += ["reason", "by", "provider", "reference"]
    rows = (
        [
            d.code,
            _day(d.issued_at),
            _day(d.occurred_at),
            d.receipt.code,
            d.payer.email,
            d.total_yen,
            d.tax_yen,
            d.reason,
            d.created_by.email if d.created_by else "",
            d.provider,
            d.provider_reference,
        ]
        for d in selectors.return_invoices_all().iterator()
    )
    return csv_response("refunds.csv", header, rows)


@console_view(SECRETARIAT)
def return_invoice_pdf(request: HttpRequest, return_invoice_id: int) -> HttpResponse:
    document = selectors.return_invoice_get(return_invoice_id)
    return _pdf(pdf.render_return_invoice_pdf(document), f"{document.code}.pdf")


class CompanyRateForm(forms.Form):
    yen_per_ticket = forms.IntegerField(
        min_value=1, max_value=1_000_000, label=gettext_lazy("Price per ticket (yen, tax incl.)")
    )
    effective_month = forms.RegexField(
        regex=r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
        label=gettext_lazy("From month (YYYY-MM)"),
    )


@console_view(SECRETARIAT)
def company_rate(request: HttpRequest, company_id: int) -> HttpResponse:
    """The company's postpaid price per ticket, from the start of a network month on."""
    company = access.access_company(user=actor(request), company_id=company_id)
    form = CompanyRateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            year, month = (int(x) for x in form.cleaned_data["effective_month"].split("-"))
            start = clock.month_start(datetime(year, month, 15, tzinfo=clock.network_zone()))
            try:
                money.company_rate_set(
                    company=company,
                    yen_per_ticket=form.cleaned_data["yen_per_ticket"],
                    effective_from=start,
                    actor=actor(request),
                )
                messages.success(request, _("Saved."))
                return redirect("console:company-rate", company_id=company.pk)
            except DomainError as error:
                messages.error(request, str(error.message))
        else:
            messages.error(request, _("Check the form."))
    context = {"company": company, "rates": selectors.company_rates(company.pk), "form": form}
    return render(request, "console/money_company_rate.html", context)
