from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "officepass.invoices"
    label = "invoices"

    def ready(self) -> None:
        from officepass.core.registry import register_check, register_task
        from officepass.invoices import checks, checks_system, tasks  # noqa: F401

        register_check("money_ledger", checks.ledger_breaches)
        register_check("money_documents", checks.document_breaches)
        register_check("money_numbering", checks.numbering_breaches)
        register_task("company_invoices", tasks.company_invoices_issue_due)
