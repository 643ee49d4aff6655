from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "officepass.payments"
    label = "payments"

    def ready(self) -> None:
        from officepass.core.registry import register_check, register_task
        from officepass.payments import checks, demo_pay, services

        register_check("payments", checks.payment_breaches)
        register_task("payment_webhooks", services.webhook_events_retry)
        register_task("payment_demo_renewals", demo_pay.demo_renewals_due)
