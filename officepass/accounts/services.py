"""Sign-in and API tokens: tokens are random, stored as SHA-256, expiring and revocable."""

import hashlib
import math
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection, transaction

from officepass.accounts.models import (
    ApiToken,
    Company,
    CompanyApplication,
    LoginFailure,
    Plan,
    User,
)
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.core.prepared import PreparedSelect

TOKEN_PREFIX = "op_"  # noqa: S105 (a prefix, not a secret)
# Advisory lock key spaces (first key) for sign-in attempts: per e-mail, per client address.
LOCK_EMAIL, LOCK_IP = 7101, 7102


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _seconds_blocked(limit: int, **who: Any) -> int:
    """0 if fewer than `limit` failures of `who` lie in the window, else the seconds until
    enough of them have left it (the window slides, so the lockout ends by itself)."""
    window = timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
    now = clock.now()
    recent = LoginFailure.objects.filter(created_at__gt=now - window, **who)
    times = list(recent.order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + window - now).total_seconds()))


def login_blocked_for(*, email: str, ip: str | None) -> int:
    """Seconds a sign-in for this e-mail from this address must wait; 0 when it may try.

    Per account: LOGIN_MAX_FAILURES failures lock the account (the right password too) for
    the rest of the window. Per client address: LOGIN_IP_MAX_FAILURES failures across any
    accounts throttle that address, so one client cannot spray passwords over many accounts.
    """
    blocked = _seconds_blocked(settings.LOGIN_MAX_FAILURES, email=email)
    if ip:
        blocked = max(blocked, _seconds_blocked(settings.LOGIN_IP_MAX_FAILURES, ip=ip))
    return blocked


def login_failures_prune() -> int:
    """Forget failed sign-ins older than the window: they no longer count (worker task)."""
    since = clock.now() - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
    deleted, _ = LoginFailure.objects.filter(created_at__lte=since).delete()
    return deleted


def login_attempt_lock(*, email: str, ip: str | None) -> None:
    """Serialize sign-in attempts per account and per client address until the transaction
    ends, so counting failures and claiming an attempt is one step (PostgreSQL advisory
    locks, a key space each; SQLite's IMMEDIATE transactions already serialize writers)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_EMAIL, email])
        if ip:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_IP, ip])


def login_attempt_claim(*, email: str, ip: str | None) -> LoginFailure:
    """Count the failures and claim this attempt in one locked step, before the password is
    checked: the attempt is recorded as a failure until the password proves right, so N
    parallel guesses at a limit of 10 get 10 password checks, not N."""
    with transaction.atomic():
        login_attempt_lock(email=email, ip=ip)
        if wait := login_blocked_for(email=email, ip=ip):
            raise DomainError("too_many_attempts", retry_after_seconds=wait)
        return LoginFailure.objects.create(email=email, ip=ip, created_at=clock.now())


def user_authenticate(*, email: str, password: str, ip: str | None = None) -> User:
    """Check the password for API tokens and web sign-in alike: lockout per e-mail,
    throttling per client address, every failure recorded and audited."""
    email = (email or "").strip().lower()
    attempt = login_attempt_claim(email=email, ip=ip)
    user = authenticate(username=email, password=password)
    if not isinstance(user, User):
        with transaction.atomic():
            audit(
                actor=None, action=AuditAction.AUTH_LOGIN_FAILED, target=attempt, email=email, ip=ip
            )
        raise DomainError("invalid_credentials")
    # The account's own slate (this attempt too) is wiped by a right password; the address's
    # other failures stay.
    LoginFailure.objects.filter(email=email).delete()
    if not email_verified(user):
        raise DomainError("email_not_verified")
    return user


def email_verified(user: User) -> bool:
    """A member who signed up signs in once the link in the mail was opened (or a password
    reset by mail proved the address); accounts made by the secretariat or the demo are."""
    return not user.email_unverified


def member_email_verified_set(*, user: User, verified: bool) -> None:
    """Whether the member has proved their e-mail address (sign-up sets False, the link in
    the verification mail or a password reset by mail sets True), audited."""
    if user.email_unverified == (not verified):
        return
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(email_unverified=not verified)
        user.email_unverified = not verified
        audit(
            actor=user,
            action=AuditAction.MEMBER_EMAIL_VERIFIED if verified else AuditAction.MEMBER_SIGNUP,
            target=user,
            email=user.email,
        )


def token_create_for_login(
    *, email: str, password: str, ip: str | None = None
) -> tuple[str, ApiToken]:
    """Check the password (see user_authenticate) and issue a new bearer token."""
    user = user_authenticate(email=email, password=password, ip=ip)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=hash_token(raw),
            prefix=raw[:10],
            created_at=now,
            expires_at=now + timedelta(days=settings.TOKEN_TTL_DAYS),
        )
        audit(actor=user, action=AuditAction.AUTH_TOKEN_CREATED, target=token)
    return raw, token


# Every API request asks this: compiled once (issue 18), read afresh each time, so a revoked
# or expired token, or a deactivated member, is refused at once.
_TOKEN_USER = PreparedSelect(
    lambda key_hash, now: ApiToken.objects.select_related(
        "user", "user__plan", "user__company"
    ).filter(key_hash=key_hash, revoked_at__isnull=True, expires_at__gt=now),
    ApiToken._meta.get_field("key_hash"),
    ApiToken._meta.get_field("expires_at"),
)


def user_for_token(raw: str) -> User | None:
    token = _TOKEN_USER.first(hash_token(raw), clock.now())
    if token is None or not token.user.is_active:
        return None
    return token.user


def token_revoke(*, user: User, raw: str) -> bool:
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user, key_hash=hash_token(raw)).first()
        if token is None or token.revoked_at is not None:
            return False
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=user, action=AuditAction.AUTH_TOKEN_REVOKED, target=token)
    return True


def member_cap_set(*, actor: User, member: User, cap: int | None) -> User:
    """A corporate admin's monthly ticket cap for one employee (None = no cap)."""
    if cap is not None and cap < 0:
        raise DomainError("invalid_input", field="cap")
    data: dict[str, Any] = {"old": member.monthly_ticket_cap, "new": cap}
    with transaction.atomic():
        member.monthly_ticket_cap = cap
        member.save(update_fields=["monthly_ticket_cap"])
        audit(actor=actor, action=AuditAction.MEMBER_CAP_SET, target=member, **data)
    return member


def company_create(*, actor: User, name: str, code: str, plan: Plan) -> Company:
    """A corporate customer; employees join with its 16-digit code (unique, CHECKed)."""
    with transaction.atomic():
        company = Company.objects.create(name=name, code=code, plan=plan)
        audit(
            actor=actor, action=AuditAction.COMPANY_CREATE, target=company, code=code, plan=plan.pk
        )
    return company


def user_signed_in(*, user: User) -> None:
    """The audit row of a web sign-in (the session itself is Django's)."""
    with transaction.atomic():
        audit(actor=user, action=AuditAction.WEB_SIGNIN, target=user)


def user_signed_out(*, user: User, action: AuditAction = AuditAction.WEB_SIGNOUT) -> None:
    """The audit row of a sign-out (web session or API session)."""
    with transaction.atomic():
        audit(actor=user, action=action, target=user)


def member_language_set(*, member: User, language: str) -> None:
    """The member's language for pages, e-mails and API messages."""
    if member.language == language:
        return
    with transaction.atomic():
        User.objects.filter(pk=member.pk).update(language=language)
        audit(actor=member, action=AuditAction.MEMBER_LANGUAGE, target=member, language=language)
    member.language = language


def staff_invite(*, actor: User, email: str, operator_id: int, accept_url: Any) -> User:
    """Invite `email` to run an operator's offices: the account is made now (no password, so
    nobody can sign in to it), the e-mail with a one-time link to set the password is sent
    after the commit. Inviting an address again re-sends the link; an address that belongs to
    someone else (a member, another operator's staff) is refused."""
    email = User.objects.normalize_email(email).strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email, None, operator_id=operator_id)
        elif user.operator_id != operator_id or user.has_usable_password():
            raise DomainError("invalid_input", field="email")
        audit(actor=actor, action=AuditAction.STAFF_INVITE, target=user, operator=operator_id)
        link = accept_url(user)
        transaction.on_commit(lambda: _send_invitation(user, link))
    return user


def _send_invitation(user: User, link: str) -> None:
    from django.core.mail import send_mail
    from django.utils.translation import gettext as _t

    send_mail(
        _t("Your officepass console invitation"),
        _t(
            "You are invited to run offices on officepass. Set your password here "
            "(the link works once):\n\n%(link)s\n"
        )
        % {"link": link},
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        fail_silently=True,
    )


def staff_invite_accept(*, user: User, password: str) -> User:
    """The invited person sets their password (the link's token was checked by the caller)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit(actor=user, action=AuditAction.STAFF_INVITE_ACCEPT, target=user)
    return user


def user_password_set(*, user: User, password: str, reset: bool = False) -> None:
    """A new password chosen by its owner (signed in, or through an e-mailed reset link); the
    caller has validated it (Django's password validators, through its forms)."""
    with transaction.atomic():
        user.set_password(password)
        User.objects.filter(pk=user.pk).update(password=user.password)
        action = AuditAction.MEMBER_PASSWORD_RESET if reset else AuditAction.MEMBER_PASSWORD_CHANGED
        audit(actor=user, action=action, target=user)


def member_payment_grace_set(*, member: User, until: Any) -> bool:
    """After a failed renewal: check-ins are refused from `until` on (None: paid up again).

    Only a first failure sets it (a later failure does not extend the grace); returns whether
    anything changed. Inside the caller's transaction.
    """
    rows = User.objects.filter(pk=member.pk)
    rows = (
        rows.filter(payment_grace_ends_at__isnull=True)
        if until is not None
        else rows.filter(payment_grace_ends_at__isnull=False)
    )
    if not rows.update(payment_grace_ends_at=until):
        return False
    member.payment_grace_ends_at = until
    audit(
        actor=None,
        action=AuditAction.MEMBER_PAYMENT_GRACE,
        target=member,
        until=until.isoformat() if until is not None else None,
    )
    return True


PLAN_FIELDS = (
    "code",
    "name",
    "name_en",
    "kind",
    "tickets_per_cycle",
    "extensions_need_tickets",
    "postpaid",
    "monthly_price_yen",
    "tax_rate_percent",
    "addon_pack_tickets",
    "addon_pack_price_yen",
    "seat_types",
    "active",
)


def plan_save(*, actor: User | None, plan: Plan, offices: Any = None) -> Plan:
    """Create or edit a plan of the catalogue (the secretariat's data, not code), audited.

    Price and tickets changes apply to cycles paid from now on; members keep a retired plan
    until they change it.
    """
    if plan.monthly_price_yen and plan.postpaid:
        raise DomainError("invalid_input", field="monthly_price_yen")
    with transaction.atomic():
        created = plan.pk is None
        plan.save()
        if offices is not None:
            plan.offices.set(offices)
        audit(
            actor=actor,
            action=AuditAction.PLAN_SAVE,
            target=plan,
            created=created,
            **{f: getattr(plan, f) for f in PLAN_FIELDS},
            offices=sorted(plan.offices.values_list("pk", flat=True)),
        )
    return plan


def member_email_address_sync(*, user: User) -> None:
    """Before allauth's e-mail page: a member whose address is proved (all accounts made
    before sign-up existed, and verified sign-ups) has it as a verified, primary address, so
    a change replaces it only once the new one is verified."""
    if user.email_unverified or not user.email:
        return
    if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        return
    with transaction.atomic():
        EmailAddress.objects.filter(user=user, email__iexact=user.email).delete()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def company_join(*, member: User, code: str) -> Company:
    """A member joins their company with its 16-digit code (the company's plan follows, set by
    the caller through tickets.member_plan_change). Unknown code: `invalid_company_code`."""
    code = (code or "").strip().replace(" ", "").replace("-", "")
    company = Company.objects.select_related("plan").filter(code=code).first()
    if company is None or len(code) != 16:
        raise DomainError("invalid_company_code")
    if member.company_id == company.pk:
        return company
    if member.company_id is not None:
        raise DomainError("invalid_input", field="company")
    with transaction.atomic():
        User.objects.filter(pk=member.pk).update(company=company)
        member.company = company
        audit(actor=member, action=AuditAction.COMPANY_JOIN, target=member, company=company.pk)
    return company


def company_employee_remove(*, actor: User, member: User) -> User:
    """The company admin (or the secretariat) removes an employee: company and plan go, so
    check-ins and extensions stop (`no_plan`); a running stay is not cut short, it ends at
    its deadline with its door still opening to leave."""
    if member.company_id is None:
        raise DomainError("not_found")
    if member.pk == actor.pk:
        raise DomainError("invalid_input", field="member")
    with transaction.atomic():
        old = member.company_id
        User.objects.filter(pk=member.pk).update(
            company=None, plan=None, is_company_admin=False, monthly_ticket_cap=None
        )
        member.company, member.plan, member.is_company_admin = None, None, False
        audit(actor=actor, action=AuditAction.COMPANY_EMPLOYEE_REMOVE, target=member, company=old)
    return member


def company_application_submit(
    *, applicant: User, company_name: str, contact_name: str, phone: str, employees: int
) -> CompanyApplication:
    """A company applies for a corporate account (screened by the secretariat)."""
    if not company_name.strip() or not contact_name.strip() or employees < 1:
        raise DomainError("invalid_input", field="company_name")
    if applicant.company_id is not None:
        raise DomainError("invalid_input", field="company")
    with transaction.atomic():
        application = CompanyApplication.objects.create(
            applicant=applicant,
            company_name=company_name.strip(),
            contact_name=contact_name.strip(),
            phone=phone.strip(),
            employees=employees,
            created_at=clock.now(),
        )
        audit(
            actor=applicant,
            action=AuditAction.COMPANY_APPLY,
            target=application,
            company_name=application.company_name,
        )
    return application


def _new_company_code() -> str:
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(16))
        if code[0] != "0" and not Company.objects.filter(code=code).exists():
            return code


def company_application_decide(
    *, actor: User, application: CompanyApplication, approve: bool, plan: Plan | None, note: str
) -> CompanyApplication:
    """The secretariat approves (the company is created with a new 16-digit code and the
    applicant becomes its admin, reaching /console/companies/<id>/) or rejects, once."""
    if not actor.is_staff:
        raise DomainError("permission_denied")
    if approve and (plan is None or plan.kind != Plan.Kind.CORPORATE):
        raise DomainError("invalid_input", field="plan")
    with transaction.atomic():
        locked = CompanyApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status != CompanyApplication.Status.PENDING:
            raise DomainError("invalid_input", field="status")
        company = None
        if approve and plan is not None:
            company = Company.objects.create(
                name=locked.company_name, code=_new_company_code(), plan=plan
            )
            updated = User.objects.filter(pk=locked.applicant_id, company__isnull=True).update(
                company=company, is_company_admin=True
            )
            if not updated:
                raise DomainError("invalid_input", field="applicant")
        locked.status = (
            CompanyApplication.Status.APPROVED if approve else CompanyApplication.Status.REJECTED
        )
        locked.company, locked.decided_by, locked.decided_at = company, actor, clock.now()
        locked.note = note.strip()[:300]
        locked.save()
        audit(
            actor=actor,
            action=AuditAction.COMPANY_APPLICATION_DECIDE,
            target=locked,
            approved=approve,
            company=company.pk if company else None,
            note=locked.note,
        )
    return locked
