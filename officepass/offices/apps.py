from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "officepass.offices"
    label = "offices"
