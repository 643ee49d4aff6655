"""Print every space's check-in URL, tab-separated, for posters and scripts."""

from typing import Any

from django.core.management.base import BaseCommand

from officepass.offices.codes import checkin_url, make_code
from officepass.offices.models import Space


class Command(BaseCommand):
    help = "One line per space: office id, office name, space id, space name, seat type, URL."

    def handle(self, *args: Any, **options: Any) -> None:
        spaces = (
            Space.objects.select_related("office")
            .filter(is_active=True)
            .order_by("office_id", "id")
        )
        for space in spaces.iterator():
            url = checkin_url(make_code(space.pk, space.code_version))
            fields = [
                space.office_id,
                space.office.name,
                space.pk,
                space.name,
                space.seat_type,
                url,
            ]
            self.stdout.write("\t".join(str(f) for f in fields))
