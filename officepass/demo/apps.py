from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "officepass.demo"
    label = "demo"
