"""What every console template may name: the network's time zone (reports say it once)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def network(request: HttpRequest) -> dict[str, Any]:
    return {"network_zone": settings.NETWORK_TIME_ZONE}
