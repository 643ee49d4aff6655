from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "officepass.core"
    label = "core"
