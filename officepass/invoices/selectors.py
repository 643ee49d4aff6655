"""Reads of the money documents, and the doors to them: a member reaches only their own
receipts and return invoices; the secretariat every document; a company admin only their
company's invoices. A refusal is `not_found` (the edges answer 404)."""

from typing import Any

from django.db.models import QuerySet

from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.invoices.models import CompanyInvoice, CompanyTicketRate, Receipt, ReturnInvoice


def receipts_of(member: User) -> QuerySet[Receipt]:
    return Receipt.objects.filter(payer=member).order_by("-issued_at", "-number")


def return_invoices_of(member: User) -> QuerySet[ReturnInvoice]:
    return (
        ReturnInvoice.objects.filter(payer=member)
        .select_related("receipt")
        .order_by("-issued_at", "-number")
    )


def own_receipt(*, member: User, receipt_id: int) -> Receipt:
    receipt = Receipt.objects.filter(pk=receipt_id, payer=member).first()
    if receipt is None:
        raise DomainError("not_found")
    return receipt


def own_return_invoice(*, member: User, return_invoice_id: int) -> ReturnInvoice:
    document = (
        ReturnInvoice.objects.select_related("receipt")
        .filter(pk=return_invoice_id, payer=member)
        .first()
    )
    if document is None:
        raise DomainError("not_found")
    return document


def receipts_all() -> QuerySet[Receipt]:
    return Receipt.objects.select_related("payer", "company").order_by("-number")


def return_invoices_all() -> QuerySet[ReturnInvoice]:
    return ReturnInvoice.objects.select_related("payer", "receipt", "created_by").order_by(
        "-number"
    )


def receipt_get(receipt_id: int) -> Receipt:
    receipt = Receipt.objects.filter(pk=receipt_id).first()
    if receipt is None:
        raise DomainError("not_found")
    return receipt


def return_invoice_get(return_invoice_id: int) -> ReturnInvoice:
    document = ReturnInvoice.objects.select_related("receipt").filter(pk=return_invoice_id).first()
    if document is None:
        raise DomainError("not_found")
    return document


def company_invoices_visible(user: User, **filters: Any) -> QuerySet[CompanyInvoice]:
    invoices = CompanyInvoice.objects.select_related("company", "payment").order_by("-number")
    if user.is_staff:
        return invoices.filter(**filters)
    if user.is_company_admin and user.company_id:
        return invoices.filter(company_id=user.company_id, **filters)
    return invoices.none()


def access_company_invoice(*, user: User, invoice_id: int) -> CompanyInvoice:
    invoice = company_invoices_visible(user).filter(pk=invoice_id).first()
    if invoice is None or not user.is_active:
        raise DomainError("not_found")
    return invoice


def company_rates(company_id: int) -> QuerySet[CompanyTicketRate]:
    return CompanyTicketRate.objects.filter(company_id=company_id).order_by("-effective_from")
