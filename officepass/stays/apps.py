from django.apps import AppConfig


class StaysConfig(AppConfig):
    name = "officepass.stays"
    label = "stays"
