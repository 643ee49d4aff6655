from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "officepass.tickets"
    label = "tickets"
