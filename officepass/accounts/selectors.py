"""Reads of members and companies for the consoles."""

from django.db.models import QuerySet

from officepass.accounts.models import Company, CompanyApplication, Plan, User
from officepass.core.errors import DomainError


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


def plans_all() -> QuerySet[Plan]:
    return Plan.objects.order_by("-active", "kind", "monthly_price_yen", "code")


def plan_get(plan_id: int) -> Plan:
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise DomainError("not_found")
    return plan


def company_applications() -> QuerySet[CompanyApplication]:
    return CompanyApplication.objects.select_related("applicant", "company").order_by(
        "status", "-created_at"
    )


def company_application_get(application_id: int) -> CompanyApplication:
    application = company_applications().filter(pk=application_id).first()
    if application is None:
        raise DomainError("not_found")
    return application


def corporate_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(kind=Plan.Kind.CORPORATE).order_by("code")
