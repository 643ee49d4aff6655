"""Access to tenant objects goes through here: the secretariat sees every office, operator
staff only their operator's. Anyone else gets `not_found` (nothing leaks that it exists)."""

from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.offices.models import Space


def can_run_office(user: User, operator_id: int) -> bool:
    return bool(user.is_active and (user.is_staff or user.operator_id == operator_id))


def access_space_for_staff(*, user: User, space_id: int) -> Space:
    space = Space.objects.select_related("office").filter(pk=space_id).first()
    if space is None or not can_run_office(user, space.office.operator_id):
        raise DomainError("not_found")
    return space
