"""Offices and spaces in and out as CSV (issue 15, item 2): upload → preview with every row's
errors → apply in one transaction; export with the same columns (UTF-8 with BOM or Shift_JIS).

Operator staff import into and export their own operator; the secretariat picks the operator.
The file's text travels from the preview to the apply as a hidden field with its SHA-256, and
the apply checks every row again (offices.csvio)."""

import base64
import csv
import io
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from officepass.console import access
from officepass.console.access import OFFICE_ROLES, actor, console_view
from officepass.core.csvexport import csv_safe_cell
from officepass.core.errors import DomainError
from officepass.offices.access import operators_run_by
from officepass.offices.csvio import (
    COLUMNS,
    offices_csv_apply,
    offices_csv_decode,
    offices_csv_plan,
    offices_csv_rows,
)
from officepass.offices.models import Operator

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ENCODINGS = {"utf-8": "utf-8-sig", "shift_jis": "cp932"}


def _operator(request: HttpRequest) -> tuple[Operator | None, Any]:
    """The operator the page works on, and the operators the user may choose from."""
    user = actor(request)
    runs = operators_run_by(user)
    if user.is_staff:
        wanted = request.POST.get("operator") or request.GET.get("operator") or ""
        chosen = runs.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        return chosen, runs
    operator = runs.first()
    if operator is None:
        raise DomainError("not_found")
    return operator, None


@console_view(*OFFICE_ROLES)
def offices_import(request: HttpRequest) -> HttpResponse:
    operator, choices = _operator(request)
    context: dict[str, Any] = {"operator": operator, "choices": choices, "columns": COLUMNS}
    if request.method != "POST":
        return render(request, "console/offices_import.html", context)
    if operator is None:
        messages.error(request, _("Choose the operator."))
        return render(request, "console/offices_import.html", context, status=400)
    try:
        text = _uploaded_text(request)
        if request.POST.get("apply") == "1":
            plan = offices_csv_apply(actor=actor(request), operator=operator, text=text)
            messages.success(
                request,
                _(
                    "Imported: %(on)d offices and %(sn)d spaces created, "
                    "%(oc)d offices and %(sc)d spaces changed."
                )
                % {
                    "on": plan.offices_new,
                    "sn": plan.spaces_new,
                    "oc": plan.offices_changed,
                    "sc": plan.spaces_changed,
                },
            )
            return redirect(f"{reverse('console:offices-import')}?operator={operator.pk}")
        plan = offices_csv_plan(operator=operator, text=text)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return render(request, "console/offices_import.html", context, status=400)
    context.update(
        plan=plan,
        payload=base64.b64encode(text.encode()).decode(),
    )
    return render(request, "console/offices_import.html", context)


def _uploaded_text(request: HttpRequest) -> str:
    if "payload" in request.POST:  # the previewed file, sent back to apply
        try:
            return base64.b64decode(request.POST["payload"], validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            raise DomainError("invalid_csv", _("The file could not be read.")) from None
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError("invalid_csv", _("Choose a CSV file."))
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise DomainError("invalid_csv", _("The file is larger than 5 MB."))
    return offices_csv_decode(upload.read())


@console_view(*OFFICE_ROLES)
def offices_export(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    offices = access.offices_visible(user).prefetch_related("spaces").order_by("pk")
    operator, _choices = _operator(request)
    if operator is not None:
        offices = offices.filter(operator=operator)
    encoding = ENCODINGS.get(request.GET.get("encoding", "utf-8"), "utf-8-sig")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in offices_csv_rows(offices):
        writer.writerow([csv_safe_cell(value) for value in row])
    try:
        body = out.getvalue().encode(encoding)
    except UnicodeEncodeError:
        messages.error(request, _("Some names have characters Shift_JIS lacks: export as UTF-8."))
        return redirect(reverse("console:offices-import"))
    charset = "shift_jis" if encoding == "cp932" else "utf-8"
    response = HttpResponse(body, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = 'attachment; filename="offices.csv"'
    return response
