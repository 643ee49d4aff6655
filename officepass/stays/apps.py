from django.apps import AppConfig


class StaysConfig(AppConfig):
    name = "officepass.stays"
    label = "stays"

    def ready(self) -> None:
        from officepass.core.registry import register_check, register_task
        from officepass.stays import checks, tasks
        from officepass.stays.lock_reliability import locks_reliability_watch
        from officepass.stays.services import stays_finalize_expired

        register_check("seats", checks.space_breaches)
        register_check("stays", checks.stay_breaches)
        register_check("refunds", checks.refund_breaches)
        register_task("forced_out", stays_finalize_expired)
        register_task("lock_reliability_reports", locks_reliability_watch)
        register_task("reminders", tasks.reminders_send)
        register_task("pruned", tasks.change_log_prune)
