from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "officepass.accounts"
    label = "accounts"

    def ready(self) -> None:
        from officepass.accounts.services import login_failures_prune
        from officepass.core.registry import register_task

        register_task("login_failures_pruned", login_failures_prune)

        from allauth.account import signals

        from officepass.accounts import signup

        signals.user_signed_up.connect(signup.on_signed_up, dispatch_uid="officepass-signup")
        signals.email_confirmed.connect(signup.on_email_confirmed, dispatch_uid="officepass-conf")
        signals.password_reset.connect(signup.on_password_reset, dispatch_uid="officepass-reset")
