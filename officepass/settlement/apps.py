from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "officepass.settlement"
    label = "settlement"

    def ready(self) -> None:
        from officepass.core.registry import register_check, register_task
        from officepass.settlement.checks import statement_breaches
        from officepass.settlement.services import statements_close_due

        register_check("settlement", statement_breaches)
        register_task("settlement", statements_close_due)
