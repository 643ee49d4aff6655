"""The audit vocabulary: every action an audit row may name, with its ja/en label.

Every audit() call passes one of these constants (mypy checks the type; scripts/lint_rules.py
refuses f-string actions); the console's audit viewer shows the label. A new action is a new
constant here and its Japanese label in officepass/locale.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # accounts
    AUTH_LOGIN_FAILED = "auth.login_failed", _("Sign-in failed")
    AUTH_TOKEN_CREATED = "auth.token_created", _("API token created")
    AUTH_TOKEN_REVOKED = "auth.token_revoked", _("API token revoked")
    AUTH_SIGNED_OUT = "auth.signed_out", _("Signed out (API)")
    WEB_SIGNIN = "web.signin", _("Signed in (web)")
    WEB_SIGNOUT = "web.signout", _("Signed out (web)")
    MEMBER_LANGUAGE = "member.language", _("Language changed")
    MEMBER_PASSWORD_CHANGED = "member.password_changed", _("Password changed")
    MEMBER_PASSWORD_RESET = "member.password_reset", _("Password reset by e-mail link")
    MEMBER_CAP_SET = "member.cap_set", _("Monthly ticket cap set")
    MEMBER_PLAN_CHANGE = "member.plan_change", _("Plan changed")
    MEMBER_CYCLE_ROLLED = "member.cycle_rolled", _("Monthly cycle rolled")
    COMPANY_CREATE = "company.create", _("Company created")
    STAFF_INVITE = "staff.invite", _("Operator staff invited")
    STAFF_INVITE_ACCEPT = "staff.invite_accept", _("Invitation accepted")
    COMPANY_APPLY = "company.apply", _("Corporate account applied for")
    COMPANY_APPLICATION_DECIDE = "company.application_decide", _("Corporate application decided")
    COMPANY_JOIN = "company.join", _("Joined a company with its code")
    COMPANY_EMPLOYEE_REMOVE = "company.employee_remove", _("Employee removed from the company")
    MEMBER_SIGNUP = "member.signup", _("Signed up (e-mail to verify)")
    MEMBER_EMAIL_VERIFIED = "member.email_verified", _("E-mail address verified")
    MEMBER_PAYMENT_GRACE = "member.payment_grace", _("Payment grace period set or cleared")
    PLAN_SAVE = "plan.save", _("Plan saved")
    # payments
    PAYMENT_CHECKOUT = "payment.checkout", _("Card payment page opened")
    PAYMENT_RECEIVED = "payment.received", _("Card payment received")
    PAYMENT_FAILED = "payment.failed", _("Card payment failed")
    PAYMENT_REFUND_REQUESTED = "payment.refund_requested", _("Money refund requested")
    PAYMENT_REFUNDED = "payment.refunded", _("Money refunded")
    PAYMENT_REFUND_FAILED = "payment.refund_failed", _("Money refund not reached the provider")
    SUBSCRIPTION_START = "subscription.start", _("Subscription started")
    SUBSCRIPTION_CANCEL = "subscription.cancel", _("Subscription set to end at period end")
    SUBSCRIPTION_RESUME = "subscription.resume", _("Subscription end undone")
    SUBSCRIPTION_PLAN_CHANGE = "subscription.plan_change", _("Plan change for next cycle")
    SUBSCRIPTION_END = "subscription.end", _("Subscription ended")
    # offices
    OPERATOR_CREATE = "operator.create", _("Operator created")
    OFFICE_CREATE = "office.create", _("Office created")
    OFFICE_UPDATE = "office.update", _("Office updated")
    OFFICES_IMPORT = "offices.import", _("Offices imported from CSV")
    SPACE_CREATE = "space.create", _("Space created")
    OPERATOR_RATE_SET = "operator.rate_set", _("Operator payout rate set")
    OPERATOR_REGISTRATION_SET = (
        "operator.registration_set",
        _("Operator registration number set"),
    )
    SPACE_UPDATE = "space.update", _("Space updated")
    SPACE_CODE_REISSUE = "space.code_reissue", _("Door code reissued")
    DISPLAY_CREATE = "display.create", _("Door display added")
    DISPLAY_REVOKE = "display.revoke", _("Door display revoked")
    # tickets
    TICKET_GRANT = "ticket.grant", _("Tickets granted")
    TICKET_PURCHASE = "ticket.purchase", _("Add-on pack bought")
    TICKET_REFUND = "ticket.refund", _("Tickets refunded")
    # stays
    STAY_CHECK_IN = "stay.check_in", _("Checked in")
    STAY_EXTEND = "stay.extend", _("Stay extended")
    STAY_CHECKED_OUT = "stay.checked_out", _("Checked out")
    STAY_FORCED_OUT = "stay.forced_out", _("Checked out by force")
    STAY_CANCELLED = "stay.cancelled", _("Stay cancelled")
    STAY_REMINDER_SENT = "stay.reminder_sent", _("Extension reminder sent")
    # locks
    LOCK_CONFIGURED = "lock.configured", _("Lock configured")
    LOCK_CHECKED = "lock.checked", _("Lock checked")
    LOCK_ONLINE = "lock.online", _("Lock came online")
    LOCK_OFFLINE = "lock.offline", _("Lock went offline")
    LOCK_UNLOCK_REFUSED = "lock.unlock_refused", _("Unlock refused")
    LOCK_UNLOCK_REQUESTED = "lock.unlock_requested", _("Unlock requested")
    LOCK_UNLOCK_CONFIRMED = "lock.unlock_confirmed", _("Unlock confirmed by the door")
    LOCK_UNLOCK_ACCEPTED = "lock.unlock_accepted", _("Unlock accepted by the lock service")
    LOCK_UNLOCK_UNKNOWN = "lock.unlock_unknown", _("Unlock sent, no answer")
    LOCK_UNLOCK_FAILED = "lock.unlock_failed", _("Unlock not delivered")
    LOCK_UNLOCK_EXPIRED = "lock.unlock_expired", _("Unlock not sent before its deadline")
    LOCK_EXIT_REQUESTED = "lock.exit_requested", _("Exit unlock requested")
    LOCK_EXIT_CONFIRMED = "lock.exit_confirmed", _("Exit unlock confirmed by the door")
    LOCK_EXIT_ACCEPTED = "lock.exit_accepted", _("Exit unlock accepted by the lock service")
    LOCK_EXIT_UNKNOWN = "lock.exit_unknown", _("Exit unlock sent, no answer")
    LOCK_EXIT_FAILED = "lock.exit_failed", _("Exit unlock not delivered")
    LOCK_EXIT_EXPIRED = "lock.exit_expired", _("Exit unlock not sent before its deadline")
    LOCK_BACKUP_PIN_REVEALED = "lock.backup_pin_revealed", _("Backup PIN shown")
    LOCK_CLOUD_ACCOUNT_CONNECTED = "lock.cloud_account_connected", _("Lock cloud connected")
    LOCK_CLOUD_TOKEN_REFRESHED = "lock.cloud_token_refreshed", _("Lock cloud token refreshed")
    LOCK_CRED_ISSUE_REQUESTED = "lock.cred_issue_requested", _("Door PIN issue requested")
    LOCK_CRED_ISSUE_CONFIRMED = (
        "lock.cred_issue_confirmed",
        _("Door PIN issue confirmed by the lock service"),
    )
    LOCK_CRED_ISSUE_ACCEPTED = (
        "lock.cred_issue_accepted",
        _("Door PIN issue accepted by the lock service"),
    )
    LOCK_CRED_ISSUE_UNKNOWN = "lock.cred_issue_unknown", _("Door PIN issue sent, no answer")
    LOCK_CRED_ISSUE_FAILED = "lock.cred_issue_failed", _("Door PIN issue not delivered")
    LOCK_CRED_ISSUE_EXPIRED = (
        "lock.cred_issue_expired",
        _("Door PIN issue not sent before its deadline"),
    )
    LOCK_CRED_UPDATE_REQUESTED = "lock.cred_update_requested", _("Door PIN update requested")
    LOCK_CRED_UPDATE_CONFIRMED = (
        "lock.cred_update_confirmed",
        _("Door PIN update confirmed by the lock service"),
    )
    LOCK_CRED_UPDATE_ACCEPTED = (
        "lock.cred_update_accepted",
        _("Door PIN update accepted by the lock service"),
    )
    LOCK_CRED_UPDATE_UNKNOWN = "lock.cred_update_unknown", _("Door PIN update sent, no answer")
    LOCK_CRED_UPDATE_FAILED = "lock.cred_update_failed", _("Door PIN update not delivered")
    LOCK_CRED_UPDATE_EXPIRED = (
        "lock.cred_update_expired",
        _("Door PIN update not sent before its deadline"),
    )
    LOCK_CRED_REVOKE_REQUESTED = "lock.cred_revoke_requested", _("Door PIN revoke requested")
    LOCK_CRED_REVOKE_CONFIRMED = (
        "lock.cred_revoke_confirmed",
        _("Door PIN revoke confirmed by the lock service"),
    )
    LOCK_CRED_REVOKE_ACCEPTED = (
        "lock.cred_revoke_accepted",
        _("Door PIN revoke accepted by the lock service"),
    )
    LOCK_CRED_REVOKE_UNKNOWN = "lock.cred_revoke_unknown", _("Door PIN revoke sent, no answer")
    LOCK_CRED_REVOKE_FAILED = "lock.cred_revoke_failed", _("Door PIN revoke not delivered")
    LOCK_CRED_REVOKE_EXPIRED = (
        "lock.cred_revoke_expired",
        _("Door PIN revoke not sent before its deadline"),
    )
    # invoices (the money ledger)
    MONEY_CHARGE = "money.charge", _("Card payment recorded, receipt issued")
    MONEY_REFUND = "money.refund", _("Money refunded, return invoice issued")
    INVOICE_ISSUED = "invoice.issued", _("Company invoice issued")
    INVOICE_MARKED_PAID = "invoice.marked_paid", _("Company invoice marked as paid")
    COMPANY_TICKET_RATE_SET = "company.ticket_rate_set", _("Company price per ticket set")
    # settlement
    PAYOUT_RATE_ADD = "payout_rate.add", _("Payout rate added")
    STATEMENT_CLOSE = "statement.close", _("Payout statement closed")
    STATEMENT_CONFIRM = "statement.confirm", _("Payout statement confirmed")
    # support
    TROUBLE_REPORT_CREATE = "trouble_report.create", _("Trouble reported")
    TROUBLE_REPORT_STATUS = "trouble_report.status", _("Trouble report status changed")
    TROUBLE_NOTE = "trouble_report.note", _("Internal note added to a trouble report")
    TROUBLE_REPLY = "trouble_report.reply", _("Reply sent to the member")
    TROUBLE_ASSIGN = "trouble_report.assign", _("Trouble report assigned")
    # notifications
    PUSH_SUBSCRIBED = "push.subscribed", _("Push notifications turned on")
    PUSH_UNSUBSCRIBED = "push.unsubscribed", _("Push notifications turned off")
    PUSH_EXPIRED = "push.expired", _("Push subscription expired (removed)")
    PUSH_PREFERENCE = "push.preference", _("Notification preference changed")
    SEAT_ALERT_CREATE = "seat_alert.create", _("Seat alert requested")
    SEAT_ALERT_FIRED = "seat_alert.fired", _("Seat alert sent")
    FAVOURITE_ADD = "favourite.add", _("Office starred")
    FAVOURITE_REMOVE = "favourite.remove", _("Office unstarred")


def action_label(action: str) -> str:
    """The reader's label of a stored action (the code itself for one no longer in use)."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action
