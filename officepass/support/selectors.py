"""Reads of trouble reports: the staff's door and inbox (accounts.access says who is who)."""

from django.db.models import QuerySet

from officepass.accounts.access import can_run_office
from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.support.models import TroubleReport


def access_trouble(*, user: User, report_id: int) -> TroubleReport:
    report = TroubleReport.objects.select_related("office", "stay", "stay__office", "member")
    found = report.filter(pk=report_id).first()
    if found is None or not can_run_office(user, found.office.operator_id):
        raise DomainError("not_found")
    return found


def troubles_visible(user: User) -> QuerySet[TroubleReport]:
    reports = TroubleReport.objects.select_related("office", "member", "stay")
    if user.is_staff:
        return reports
    return reports.filter(office__operator_id=user.operator_id or 0)
