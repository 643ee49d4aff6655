"""CSV answers for every report table: the one helper in core (the member's web export uses it
too)."""

from officepass.core.csvexport import FORMULA_START, csv_response

__all__ = ["FORMULA_START", "csv_response"]
