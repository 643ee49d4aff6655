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
