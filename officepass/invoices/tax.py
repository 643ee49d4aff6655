"""Consumption tax on tax-included amounts, rounded once per rate per document (docs/money.md).

For each rate r, total_r = the sum of the document's lines at r (tax included) and
tax_r = floor(total_r × r / (100 + r)) — rounded down once per rate per document, never per
line (NTA Q&A 問57: one rounding per invoice per rate). Integer arithmetic only.
"""

from collections.abc import Iterable
from dataclasses import dataclass


def tax_included(total_yen: int, rate_percent: int) -> int:
    """The tax inside a tax-included total, rounded toward zero (a refund's tax mirrors
    the charge's: -floor(|x|…))."""
    sign = -1 if total_yen < 0 else 1
    return sign * (abs(total_yen) * rate_percent // (100 + rate_percent))


@dataclass(frozen=True)
class RateTotal:
    rate_percent: int
    total_yen: int
    tax_yen: int

    @property
    def net_yen(self) -> int:
        return self.total_yen - self.tax_yen


def rate_totals(lines: Iterable[tuple[int, int]]) -> list[RateTotal]:
    """(amount_yen, rate_percent) lines → one total per rate, highest rate first."""
    sums: dict[int, int] = {}
    for amount, rate in lines:
        sums[rate] = sums.get(rate, 0) + amount
    return [
        RateTotal(rate, total, tax_included(total, rate))
        for rate, total in sorted(sums.items(), reverse=True)
    ]


def as_json(totals: list[RateTotal]) -> dict[str, dict[str, int]]:
    return {str(t.rate_percent): {"total_yen": t.total_yen, "tax_yen": t.tax_yen} for t in totals}
