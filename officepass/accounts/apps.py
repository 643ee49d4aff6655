from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "officepass.accounts"
    label = "accounts"

    def ready(self) -> None:
        from officepass.accounts.services import login_failures_prune
        from officepass.core.registry import register_task

        register_task("login_failures_pruned", login_failures_prune)
