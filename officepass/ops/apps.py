from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "officepass.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from officepass.ops.fanout import on_change_saved
        from officepass.stays.models import AvailabilityChange

        post_save.connect(on_change_saved, sender=AvailabilityChange, dispatch_uid="ops-fanout")
