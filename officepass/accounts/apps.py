from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "officepass.accounts"
    label = "accounts"
