"""The door to offices and spaces for operator staff and the secretariat (accounts.access
says who is who). Anyone else gets `not_found`: nothing leaks that it exists."""

from django.db.models import QuerySet

from officepass.accounts.access import can_run_office
from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.offices.models import Office, Operator, Space

__all__ = ["access_office", "access_operator", "access_space", "can_run_office", "offices_visible"]


def operators_run_by(user: User) -> QuerySet[Operator]:
    """The operators whose offices `user` runs: all for the secretariat, their own for staff."""
    operators = Operator.objects.order_by("name")
    if user.is_staff:
        return operators
    if user.operator_id:
        return operators.filter(pk=user.operator_id)
    return operators.none()


def offices_visible(user: User) -> QuerySet[Office]:
    offices = Office.objects.select_related("operator")
    if user.is_staff:
        return offices
    if user.operator_id:
        return offices.filter(operator_id=user.operator_id)
    return offices.none()


def access_office(*, user: User, office_id: int) -> Office:
    office = Office.objects.select_related("operator").filter(pk=office_id).first()
    if office is None or not can_run_office(user, office.operator_id):
        raise DomainError("not_found")
    return office


def access_space(*, user: User, space_id: int) -> Space:
    space = Space.objects.select_related("office", "office__operator").filter(pk=space_id).first()
    if space is None or not can_run_office(user, space.office.operator_id):
        raise DomainError("not_found")
    return space


def access_operator(*, user: User, operator_id: int) -> Operator:
    """An operator the user runs (its staff) or oversees (the secretariat), else not_found."""
    operator = Operator.objects.filter(pk=operator_id).first()
    if operator is None or not can_run_office(user, operator.pk):
        raise DomainError("not_found")
    return operator
