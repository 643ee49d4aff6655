from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "officepass.notifications"
    label = "notifications"

    def ready(self) -> None:
        from officepass.core.registry import register_check, register_task
        from officepass.notifications import checks, tasks

        register_check("notifications", checks.delivery_breaches)
        register_task("notices_found", tasks.notifications_collect)
        register_task("notices_sent", tasks.deliveries_send)
