"""The member's receipts (領収書) and return invoices (返還インボイス), each a PDF to download
again at any time. Only the payer reaches a document; anyone else gets 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from officepass.accounts.access import request_user
from officepass.core.errors import DomainError
from officepass.invoices import pdf, selectors


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def receipts(request: HttpRequest) -> HttpResponse:
    member = request_user(request)
    context = {
        "receipts": selectors.receipts_of(member)[:200],
        "returns": selectors.return_invoices_of(member)[:200],
    }
    return render(request, "web/receipts.html", context)


@login_required
def receipt_pdf(request: HttpRequest, receipt_id: int) -> HttpResponse:
    try:
        receipt = selectors.own_receipt(member=request_user(request), receipt_id=receipt_id)
    except DomainError:
        raise Http404 from None
    return _pdf(pdf.render_receipt_pdf(receipt), f"{receipt.code}.pdf")


@login_required
def return_invoice_pdf(request: HttpRequest, return_invoice_id: int) -> HttpResponse:
    try:
        document = selectors.own_return_invoice(
            member=request_user(request), return_invoice_id=return_invoice_id
        )
    except DomainError:
        raise Http404 from None
    return _pdf(pdf.render_return_invoice_pdf(document), f"{document.code}.pdf")
