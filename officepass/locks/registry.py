"""Driver lookup by name; a space without a driver uses settings.OFFICEPASS DEFAULT_LOCK_DRIVER."""

from django.conf import settings

from officepass.locks.drivers.base import LockDriver
from officepass.locks.drivers.simulator.driver import SimulatorDriver
from officepass.offices.models import Space

DRIVERS: dict[str, type[LockDriver]] = {SimulatorDriver.name: SimulatorDriver}


def driver_name(space: Space) -> str:
    return space.lock_driver or settings.DEFAULT_LOCK_DRIVER


def driver_for(space: Space) -> LockDriver:
    return DRIVERS[driver_name(space)](space.lock_settings or {})
