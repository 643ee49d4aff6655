from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "officepass.tickets"
    label = "tickets"

    def ready(self) -> None:
        from officepass.core.registry import register_check, register_task
        from officepass.tickets.checks import ledger_breaches, postpaid_breaches
        from officepass.tickets.cycles import cycles_roll_due

        register_check("ledger", ledger_breaches)
        register_check("postpaid", postpaid_breaches)
        register_task("cycles", cycles_roll_due)
