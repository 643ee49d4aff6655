from django.urls import path, register_converter

from officepass.web.views import account, billing, checkin, pages, pwa, receipts, stay, trouble


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
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="sw"),
    path("offline", pwa.offline, name="offline"),
]
