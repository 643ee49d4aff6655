"""Reads of members and companies for the consoles."""

from django.db.models import QuerySet

from officepass.accounts.models import Company, User


def members_search(query: str) -> QuerySet[User]:
    """Members by e-mail (a part of it), with plan and company."""
    members = User.objects.select_related("plan", "company").order_by("email")
    return members.filter(email__icontains=query) if query else members


def companies_visible(user: User) -> QuerySet[Company]:
    """Every company for the secretariat; a company admin's own one otherwise."""
    companies = Company.objects.select_related("plan").order_by("name")
    return companies if user.is_staff else companies.filter(pk=user.company_id or 0)


def company_employees(company_id: int) -> QuerySet[User]:
    return User.objects.filter(company_id=company_id).order_by("email")


def staff_of_operator(operator_id: int) -> QuerySet[User]:
    return User.objects.filter(operator_id=operator_id).order_by("email")


def invited_staff(pk: int) -> User | None:
    """The operator staff account an invitation link names (None if none, or disabled)."""
    return User.objects.filter(pk=pk, operator__isnull=False, is_active=True).first()
