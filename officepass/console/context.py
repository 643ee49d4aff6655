"""What every console template may name: the network's time zone (reports say it once) and
the map tiles for the office pin (none: the lat/lng fields alone)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def network(request: HttpRequest) -> dict[str, Any]:
    return {
        "network_zone": settings.NETWORK_TIME_ZONE,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
