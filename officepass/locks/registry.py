"""Driver lookup by name; a space without a driver uses settings.DEFAULT_LOCK_DRIVER.

Secrets never live in the database: a space's settings may name environment variables in
``"secret_env": {"token": "SWITCHBOT_TOKEN_HQ"}``; the driver receives their values.
"""

import os

from django.conf import settings

from officepass.core.errors import DomainError
from officepass.locks.drivers.akerun.driver import AkerunDriver
from officepass.locks.drivers.base import LockDriver
from officepass.locks.drivers.mqtt.driver import MqttDriver
from officepass.locks.drivers.remotelock.driver import RemoteLockDriver
from officepass.locks.drivers.sesame.driver import SesameDriver
from officepass.locks.drivers.simulator.driver import SimulatorDriver
from officepass.locks.drivers.switchbot.driver import SwitchBotDriver
from officepass.locks.drivers.webhook.driver import WebhookDriver
from officepass.offices.models import Space

DRIVERS: dict[str, type[LockDriver]] = {
    driver.name: driver
    for driver in (
        SimulatorDriver,
        MqttDriver,
        SwitchBotDriver,
        WebhookDriver,
        RemoteLockDriver,
        SesameDriver,
        AkerunDriver,
    )
}


def driver_name(space: Space) -> str:
    return space.lock_driver or settings.DEFAULT_LOCK_DRIVER


def secrets_for(lock_settings: dict[str, object]) -> dict[str, str]:
    names = lock_settings.get("secret_env") or {}
    if not isinstance(names, dict):
        return {}
    return {key: os.environ.get(str(var), "") for key, var in names.items()}


def driver_for(space: Space) -> LockDriver:
    name = driver_name(space)
    if name not in DRIVERS:
        raise DomainError("lock_unavailable", lock_error=f"unknown driver {name!r}")
    lock_settings = dict(space.lock_settings or {})
    secrets = secrets_for(lock_settings)
    # Drivers that read pushed health (LockHealth) need to know whose lock they drive.
    lock_settings["space_id"] = space.pk
    return DRIVERS[name](lock_settings, secrets)
