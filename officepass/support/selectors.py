"""Reads of trouble reports: the staff's door and inbox (accounts.access says who is who)."""

from django.db.models import QuerySet

from officepass.accounts.access import can_run_office
from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.support.models import TroubleEntry, TroubleReport


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


def trouble_entries(report: TroubleReport, *, member_view: bool = False) -> QuerySet[TroubleEntry]:
    """The report's timeline; the member sees only the replies."""
    entries = report.entries.all()
    return entries.filter(kind=TroubleEntry.Kind.REPLY) if member_view else entries


def trouble_reports_of_member(member: User) -> QuerySet[TroubleReport]:
    return (
        TroubleReport.objects.filter(member=member)
        .select_related("office")
        .prefetch_related("entries")
        .order_by("-created_at")
    )


def trouble_assignees(report: TroubleReport) -> QuerySet[User]:
    """Who may take the report: the office's operator staff and the secretariat."""
    from django.db.models import Q

    people = User.objects.filter(is_active=True)
    return people.filter(Q(is_staff=True) | Q(operator_id=report.office.operator_id)).order_by(
        "email"
    )
