from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "officepass.web"
    label = "web"
    verbose_name = "Member web app"
