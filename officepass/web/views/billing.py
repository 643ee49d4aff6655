"""Buying the pass: plans, the card page, the return from it, the member's billing page with
add-on packs, cancel, plan change and receipts; and the provider's webhook endpoint."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from officepass.accounts.access import request_user
from officepass.accounts.services import company_application_submit
from officepass.accounts.services import company_join as company_join_service
from officepass.core.errors import DomainError
from officepass.payments import selectors, services
from officepass.payments.demo_pay import demo_checkout_pay
from officepass.payments.models import CheckoutIntent
from officepass.payments.providers.base import InvalidEvent
from officepass.payments.providers.registry import provider_for
from officepass.tickets.services import member_plan_change
from officepass.web import presenters
from officepass.web.views.account import safe_next


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _plans_page(request: HttpRequest, error: DomainError | None = None) -> HttpResponse:
    member = request_user(request)
    context = {
        "plans": selectors.plans_on_sale(),
        "subscription": selectors.member_subscription(member),
        "next": safe_next(request, ""),
        "error": error,
        "cancelled": "cancelled" in request.GET,
        "test_mode": provider_for().test_mode,
    }
    return render(request, "web/plans.html", context, status=error.status if error else 200)


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    return _plans_page(request)


@login_required
@require_POST
def plan_buy(request: HttpRequest) -> HttpResponse:
    member = request_user(request)
    try:
        plan = selectors.plan_on_sale(int(request.POST.get("plan") or 0))
        intent = services.checkout_start(
            member=member,
            plan=plan,
            kind=CheckoutIntent.Kind.SUBSCRIPTION,
            next_path=safe_next(request, ""),
            base_url=_base_url(request),
        )
    except (DomainError, ValueError) as exc:
        error = exc if isinstance(exc, DomainError) else DomainError("invalid_input")
        return _plans_page(request, error)
    return HttpResponseRedirect(intent.url)


@login_required
def pay_return(request: HttpRequest, intent_id: int) -> HttpResponse:
    """Back from the card page: once the payment is recorded, on to where the member came
    from (a door's check-in page); until then a page that looks again every 2 s."""
    member = request_user(request)
    try:
        intent = selectors.own_intent(member, intent_id)
    except DomainError as exc:
        return render(request, "web/error.html", {"error": exc}, status=exc.status)
    if selectors.intent_paid(intent):
        return redirect(intent.next_path or reverse("web:billing"))
    return render(request, "web/pay_waiting.html", {"intent": intent})


def demo_pay(request: HttpRequest, session_id: str) -> HttpResponse:
    """The demo provider's card page: TEST MODE, nothing is charged."""
    try:
        intent = selectors.demo_intent(session_id)
    except DomainError as exc:
        return render(request, "web/error.html", {"error": exc}, status=exc.status)
    if request.method == "POST":
        demo_checkout_pay(session_id=session_id)
        return redirect("web:pay_return", intent_id=intent.pk)
    return render(request, "web/pay_demo.html", {"intent": intent})


@login_required
def billing(request: HttpRequest, error: DomainError | None = None) -> HttpResponse:
    member = request_user(request)
    subscription = selectors.member_subscription(member)
    context = {
        "subscription": subscription,
        "payments": selectors.member_payments(member)[:100],
        "wallet": presenters.wallet_of(member),
        "plans": selectors.plans_on_sale(),
        "error": error,
        "member": member,
    }
    return render(request, "web/billing.html", context, status=error.status if error else 200)


@login_required
@require_POST
def billing_action(request: HttpRequest, action: str) -> HttpResponse:
    member = request_user(request)
    try:
        if action == "addon":
            sub = selectors.member_subscription(member)
            if sub is None:
                raise DomainError("no_subscription")
            intent = services.checkout_start(
                member=member,
                plan=sub.plan,
                kind=CheckoutIntent.Kind.ADDON,
                next_path=safe_next(request, reverse("web:billing")),
                base_url=_base_url(request),
            )
            return HttpResponseRedirect(intent.url)
        if action in ("cancel", "resume"):
            services.subscription_cancel(member=member, cancel=action == "cancel")
        elif action == "plan":
            plan = selectors.plan_on_sale(int(request.POST.get("plan") or 0))
            services.subscription_plan_change(member=member, plan=plan)
        elif action == "card":
            back = request.build_absolute_uri(reverse("web:billing"))
            return HttpResponseRedirect(services.card_portal_url(member=member, return_url=back))
        else:
            raise DomainError("not_found")
    except DomainError as exc:
        return billing(request, error=exc)
    except ValueError:
        return billing(request, error=DomainError("invalid_input"))
    return redirect("web:billing")


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider's signed event: 400 unless the signature is right and fresh; stored, then
    processed (a failure to apply it now is retried by the worker from the table: still 200)."""
    if provider not in ("stripe",) or not settings.STRIPE_WEBHOOK_SECRET:
        error = DomainError("not_found")
        return JsonResponse({"code": error.code, "message": str(error.message)}, status=404)
    try:
        services.webhook_receive(
            provider_name=provider, payload=request.body, headers=request.headers
        )
    except InvalidEvent:
        error = DomainError("invalid_signature")
        return JsonResponse({"code": error.code, "message": str(error.message)}, status=400)
    return JsonResponse({"received": True})


@login_required
def company_join(request: HttpRequest) -> HttpResponse:
    """An employee joins their company with its 16-digit code; the company's plan follows."""
    member = request_user(request)
    error = None
    if request.method == "POST":
        try:
            if selectors.member_subscription(member) is not None:
                raise DomainError("already_subscribed")
            company = company_join_service(member=member, code=request.POST.get("code", ""))
            if member.plan_id != company.plan_id:
                member_plan_change(actor=member, member=member, plan=company.plan)
        except DomainError as exc:
            error = exc
        else:
            return redirect(safe_next(request, reverse("web:home")))
    context = {"error": error, "member": member, "next": safe_next(request, "")}
    return render(request, "web/company_join.html", context, status=error.status if error else 200)


@login_required
def company_apply(request: HttpRequest) -> HttpResponse:
    """A company applies for a corporate account; the secretariat screens it, then the
    applicant is the company's admin (console) and employees join with its code."""
    member = request_user(request)
    error, sent = None, None
    if request.method == "POST":
        try:
            sent = company_application_submit(
                applicant=member,
                company_name=request.POST.get("company_name", "")[:200],
                contact_name=request.POST.get("contact_name", "")[:150],
                phone=request.POST.get("phone", "")[:40],
                employees=int(request.POST.get("employees") or 0),
            )
        except ValueError:
            error = DomainError("invalid_input", field="employees")
        except DomainError as exc:
            error = exc
    context = {"error": error, "sent": sent}
    return render(request, "web/company_apply.html", context, status=error.status if error else 200)
