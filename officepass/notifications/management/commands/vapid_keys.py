"""`python manage.py vapid_keys`: print a new VAPID key pair as environment lines."""

from typing import Any

from django.core.management.base import BaseCommand

from officepass.notifications.vapid import generate_pair


class Command(BaseCommand):
    help = "Generate a VAPID key pair for Web Push (put VAPID_PRIVATE_KEY in the environment)."

    def handle(self, *args: Any, **options: Any) -> None:
        private, public = generate_pair()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"# public key (derived; the browser subscribes with it): {public}")
