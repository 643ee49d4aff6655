from typing import Any

from django.core.management.base import BaseCommand

from officepass.demo.data import PASSWORD
from officepass.demo.services import load_demo


class Command(BaseCommand):
    help = "Load the demo network and accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_demo()
        self.stdout.write(
            f"demo loaded: {counts['offices']} offices, {counts['spaces']} spaces, "
            f"{counts['users']} accounts (password {PASSWORD})"
        )
