from django.urls import path, register_converter

from officepass.web.views import (
    account,
    billing,
    checkin,
    notices,
    pages,
    pwa,
    receipts,
    stay,
    trouble,
)


class IdConverter:
    """A database id: at most 18 digits, so an overlong number is a 404, not an overflow."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
app_name = "web"

urlpatterns = [
    path("", pages.home, name="home"),
    path("nearest", pages.nearest_fragment, name="nearest"),
    path("signin", account.signin, name="signin"),
    path("signout", account.signout, name="signout"),
    path("language", account.language, name="language"),
    path("account", account.account, name="account"),
    path("account/password", account.PasswordChange.as_view(), name="password_change"),
    path("password-reset", account.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/sent", account.PasswordResetDone.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>",
        account.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done",
        account.PasswordResetComplete.as_view(),
        name="password_reset_complete",
    ),
    path("offices", pages.offices, name="offices"),
    path("offices/<id:office_id>", pages.office_detail, name="office"),
    path("checkin", checkin.scanner, name="scanner"),
    path("stay", stay.current, name="current"),
    path("stays/<id:stay_id>", stay.stay_detail, name="stay"),
    path("stays/<id:stay_id>/unlock", stay.unlock, name="unlock"),
    path("stays/<id:stay_id>/extend", stay.extend, name="extend"),
    path("stays/<id:stay_id>/checkout", stay.checkout, name="checkout"),
    path("stays/<id:stay_id>/recover", stay.recover, name="recover"),
    path("stays/<id:stay_id>/backup-pin", stay.backup_pin, name="backup_pin"),
    path("trouble", trouble.trouble, name="trouble"),
    path("trouble/mine", trouble.trouble_mine, name="trouble-mine"),
    path("tickets", pages.tickets, name="tickets"),
    path("history", pages.history, name="history"),
    path("plans/", billing.plans, name="plans"),
    path("company/join", billing.company_join, name="company_join"),
    path("company/apply", billing.company_apply, name="company_apply"),
    path("plans/buy", billing.plan_buy, name="plan_buy"),
    path("pay/return/<id:intent_id>/", billing.pay_return, name="pay_return"),
    path("pay/demo/<str:session_id>/", billing.demo_pay, name="pay_demo"),
    path("billing", billing.billing, name="billing"),
    path("billing/<str:action>", billing.billing_action, name="billing_action"),
    path("receipts", receipts.receipts, name="receipts"),
    path("receipts/<id:receipt_id>.pdf", receipts.receipt_pdf, name="receipt_pdf"),
    path(
        "return-invoices/<id:return_invoice_id>.pdf",
        receipts.return_invoice_pdf,
        name="return_invoice_pdf",
    ),
    path("account/push", notices.push_subscription, name="push_subscription"),
    path("account/notifications", notices.preferences, name="push_preferences"),
    path("account/export/stays.csv", notices.export_stays, name="export_stays"),
    path("account/export/tickets.csv", notices.export_tickets, name="export_tickets"),
    path("offices/<id:office_id>/favourite", notices.favourite, name="favourite"),
    path("spaces/<id:space_id>/alert", notices.seat_alert, name="seat_alert"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="sw"),
    path("offline", pwa.offline, name="offline"),
]
