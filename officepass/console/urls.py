"""Console URLs. Every view is wrapped in access.console_view and fetches through access_*;
tests/console/test_access.py walks this list, so a page without a check fails it."""

from django.contrib.auth import views as auth_views
from django.urls import path

from officepass.accounts.forms import ThrottledAuthenticationForm
from officepass.console import views_display as displays
from officepass.console import views_import as imports
from officepass.console import views_locks as locks
from officepass.console import views_money as money
from officepass.console import views_offices as offices
from officepass.console import views_onboarding as onboarding
from officepass.console import views_people as people
from officepass.console import views_reports as reports
from officepass.console import views_sales as sales
from officepass.console import views_settlement as settlement

app_name = "console"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="console/login.html",
            next_page="console:home",
            authentication_form=ThrottledAuthenticationForm,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="console:login"), name="logout"),
    path("", offices.home, name="home"),
    path("offices/", offices.office_list, name="offices"),
    path("offices/import/", imports.offices_import, name="offices-import"),
    path("offices/new/", onboarding.office_create, name="office-create"),
    path("offices/<int:office_id>/spaces/new/", onboarding.space_create, name="space-create"),
    path("operators/new/", onboarding.operator_create, name="operator-create"),
    path("operators/<int:operator_id>/staff/", onboarding.staff_invite_view, name="staff-invite"),
    path("invite/<str:uidb64>/<str:token>/", onboarding.invite_accept, name="invite-accept"),
    path("offices/export.csv", imports.offices_export, name="offices-export"),
    path("offices/<int:office_id>/", offices.office_edit, name="office"),
    path("offices/<int:office_id>/occupancy/", offices.occupancy, name="occupancy"),
    path("spaces/<int:space_id>/", offices.space_edit, name="space"),
    path("spaces/<int:space_id>/lock/", offices.space_lock, name="space-lock"),
    path("spaces/<int:space_id>/lock/check/", offices.space_lock_check, name="space-lock-check"),
    path("locks/accounts/", locks.lock_accounts, name="lock-accounts"),
    path("locks/akerun/connect/", locks.akerun_connect, name="akerun-connect"),
    path("locks/akerun/callback/", locks.akerun_callback, name="akerun-callback"),
    path("spaces/<int:space_id>/poster.pdf", offices.space_poster, name="space-poster"),
    path("spaces/<int:space_id>/reissue/", offices.space_reissue, name="space-reissue"),
    path("spaces/<int:space_id>/display/", offices.space_display, name="space-display"),
    path("spaces/<int:space_id>/display.svg", offices.space_display_svg, name="space-display-svg"),
    path("spaces/<int:space_id>/displays/", displays.display_create, name="display-create"),
    path("spaces/<int:space_id>/displays/revoke/", displays.display_revoke, name="display-revoke"),
    path("stays/<int:stay_id>/", offices.stay_detail, name="stay"),
    path("stays/<int:stay_id>/force-checkout/", offices.stay_force, name="stay-force"),
    path("stays/<int:stay_id>/refund/", offices.stay_refund, name="stay-refund"),
    path("trouble/", people.trouble_list, name="troubles"),
    path("trouble/<int:report_id>/", people.trouble_detail, name="trouble"),
    path("members/", people.member_list, name="members"),
    path("members/<int:member_id>/", people.member_detail, name="member"),
    path("members/<int:member_id>/cap/", people.member_cap, name="member-cap"),
    path("members/<int:member_id>/remove/", people.member_remove, name="member-remove"),
    path("members/<int:member_id>/<str:action>/", people.member_action, name="member-action"),
    path("companies/", people.company_list, name="companies"),
    path("companies/<int:company_id>/", reports.report_company, name="company-report"),
    path("companies/<int:company_id>/usage.csv", reports.report_company_csv, name="company-csv"),
    path(
        "companies/<int:company_id>/stays.csv",
        reports.report_company_stays_csv,
        name="company-stays-csv",
    ),
    path("companies/<int:company_id>/rate/", money.company_rate, name="company-rate"),
    path("money/invoices/", money.invoice_list, name="money-invoices"),
    path("money/invoices.csv", money.invoice_list_csv, name="money-invoices-csv"),
    path("money/invoices/<int:invoice_id>.pdf", money.invoice_pdf, name="money-invoice-pdf"),
    path(
        "money/invoices/<int:invoice_id>/paid/",
        money.invoice_mark_paid,
        name="money-invoice-paid",
    ),
    path("money/receipts/", money.receipt_list, name="money-receipts"),
    path("money/receipts.csv", money.receipt_list_csv, name="money-receipts-csv"),
    path("money/receipts/<int:receipt_id>.pdf", money.receipt_pdf, name="money-receipt-pdf"),
    path("money/refunds/", money.refund_list, name="money-refunds"),
    path("money/refunds.csv", money.refund_list_csv, name="money-refunds-csv"),
    path(
        "money/refunds/<int:return_invoice_id>.pdf",
        money.return_invoice_pdf,
        name="money-return-invoice-pdf",
    ),
    path("reports/", reports.report_month, name="reports"),
    path("reports/offices.csv", reports.report_offices_csv, name="reports-offices-csv"),
    path("reports/operators.csv", reports.report_operators_csv, name="reports-operators-csv"),
    path("reports/offices/<int:office_id>/", reports.report_office, name="report-office"),
    path(
        "reports/offices/<int:office_id>/stays/",
        reports.report_office_stays,
        name="report-office-stays",
    ),
    path(
        "reports/offices/<int:office_id>/stays.csv",
        reports.report_office_stays_csv,
        name="report-office-stays-csv",
    ),
    path(
        "reports/offices/<int:office_id>/days.csv",
        reports.report_office_days_csv,
        name="report-office-days-csv",
    ),
    path(
        "reports/offices/<int:office_id>/hours.csv",
        reports.report_office_hours_csv,
        name="report-office-hours-csv",
    ),
    path("plans/", sales.plan_list, name="plans"),
    path("plans/new/", sales.plan_new, name="plan-new"),
    path("plans/<int:plan_id>/", sales.plan_edit, name="plan"),
    path("payments/", sales.payment_list, name="payments"),
    path("payments.csv", sales.payment_csv, name="payments-csv"),
    path("payments/<int:payment_id>/", sales.payment_detail, name="payment"),
    path("refunds/", sales.refund_list, name="refunds"),
    path("refunds.csv", sales.refund_csv, name="refunds-csv"),
    path("refunds/<int:refund_id>/retry/", sales.refund_retry, name="refund-retry"),
    path("applications/", sales.application_list, name="applications"),
    path("applications.csv", sales.application_csv, name="applications-csv"),
    path("applications/<int:application_id>/", sales.application_detail, name="application"),
    path("subscriptions/", sales.subscription_list, name="subscriptions"),
    path("subscriptions.csv", sales.subscription_csv, name="subscriptions-csv"),
    path("audit/", people.audit_log, name="audit"),
    path("operators/", people.operator_list, name="operators"),
    path("operators/<int:operator_id>/", settlement.operator_detail, name="operator"),
    path("operators/<int:operator_id>/rate/", settlement.operator_rate, name="operator-rate"),
    path(
        "operators/<int:operator_id>/registration/",
        settlement.operator_registration,
        name="operator-registration",
    ),
    path("statements/", settlement.statement_list, name="statements"),
    path("statements/close/", settlement.statement_close, name="statements-close"),
    path("statements/<int:statement_id>/", settlement.statement_detail, name="statement"),
    path(
        "statements/<int:statement_id>/statement.pdf",
        settlement.statement_pdf,
        name="statement-pdf",
    ),
    path(
        "statements/<int:statement_id>/statement.csv",
        settlement.statement_csv,
        name="statement-csv",
    ),
    path(
        "statements/<int:statement_id>/stays.csv",
        settlement.statement_entries_csv,
        name="statement-stays-csv",
    ),
    path(
        "statements/<int:statement_id>/confirm/",
        settlement.statement_confirm,
        name="statement-confirm",
    ),
]
