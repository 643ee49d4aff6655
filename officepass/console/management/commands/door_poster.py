"""`python manage.py door_poster --space <id> --output <file.pdf>`: print a space's poster."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from officepass.console.poster import poster_pdf, space_checkin_url
from officepass.offices.models import Space


class Command(BaseCommand):
    help = "Write the A4 door poster (QR code + instructions) of one space as a PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--space", type=int, required=True, help="space id")
        parser.add_argument("--output", required=True, help="PDF file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        space = Space.objects.select_related("office").filter(pk=options["space"]).first()
        if space is None:
            raise CommandError(f"no space with id {options['space']}")
        output = Path(options["output"])
        output.write_bytes(poster_pdf(space))
        self.stdout.write(f"{output}\t{space_checkin_url(space)}")
