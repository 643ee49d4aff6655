from django.apps import AppConfig


class LocksConfig(AppConfig):
    name = "officepass.locks"
    label = "locks"

    def ready(self) -> None:
        from officepass.core.registry import register_check, register_task
        from officepass.locks.checks import lock_command_breaches
        from officepass.locks.credentials import lock_credentials_retry
        from officepass.locks.services import lock_commands_settle_stale

        register_check("lock_commands", lock_command_breaches)
        register_task("lock_credentials", lock_credentials_retry)
        register_task("lock_commands_settled", lock_commands_settle_stale)
