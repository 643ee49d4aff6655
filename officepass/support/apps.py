from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "officepass.support"
    label = "support"
