from django.apps import AppConfig


class LocksConfig(AppConfig):
    name = "officepass.locks"
    label = "locks"
