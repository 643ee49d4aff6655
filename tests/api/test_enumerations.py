"""The API's enumerations are the models' choices: one list each, checked here."""

from typing import get_args

import pytest
from pydantic import BaseModel

from officepass.api import schemas
from officepass.offices import hours
from officepass.offices.models import SeatType
from officepass.stays.models import Stay
from officepass.support.models import TroubleReport
from officepass.tickets.models import LedgerEntry


def literal(schema: type[BaseModel], field: str) -> set[str]:
    return set(get_args(schema.model_fields[field].annotation))


@pytest.mark.parametrize(
    ("schema", "field", "choices"),
    [
        (schemas.SpaceOut, "seat_type", SeatType.values),
        (schemas.StaySpace, "seat_type", SeatType.values),
        (schemas.Nearby, "seat_type", SeatType.values),
        (schemas.StayOut, "status", Stay.Status.values),
        (schemas.LedgerEntryOut, "kind", LedgerEntry.Kind.values),
        # Members file every kind but the one officepass raises by itself.
        (schemas.TroubleIn, "kind", set(TroubleReport.Kind.values) - {"lock_reliability"}),
        (schemas.OpeningDay, "day", hours.DAYS),
    ],
)
def test_each_api_enumeration_equals_the_model_choices(schema, field, choices):
    assert literal(schema, field) == set(choices)


def test_the_availability_symbols_are_the_ones_the_selector_draws():
    from officepass.offices.selectors import symbol

    assert literal(schemas.SpaceOut, "symbol") == {symbol(n) for n in range(4)}
