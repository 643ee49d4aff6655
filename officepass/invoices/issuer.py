"""The network's invoice issuer: name (ja/en) and qualified-invoice registration number.

Settings INVOICE_ISSUER_NAME_JA, INVOICE_ISSUER_NAME_EN, INVOICE_ISSUER_REGISTRATION_NUMBER
(from the environment). A registration number is "T" + 13 digits; the first digit is a check
digit under the National Tax Agency's published rule for corporate numbers (法人番号の検査用
数字, 法人番号の指定等に関する省令 第2条): with P(n) the n-th of the other 12 digits counted
from the right and Q(n) = 1 for odd n, 2 for even n, the check digit is
9 − (Σ P(n)·Q(n) mod 9). Sole proprietors' numbers are issued in the same 13-digit form.
A malformed number stops start-up with the system check error invoices.E001.
"""

import re
from dataclasses import dataclass

from django.conf import settings

NUMBER_RE = re.compile(r"^T(\d)(\d{12})$")


def check_digit(base12: str) -> int:
    total = sum(
        int(digit) * (2 if n % 2 == 0 else 1) for n, digit in enumerate(reversed(base12), start=1)
    )
    return 9 - total % 9


def registration_number_problem(value: str) -> str | None:
    """Why `value` is not a valid registration number, or None when it is."""
    match = NUMBER_RE.match(value or "")
    if not match:
        return "must be 'T' followed by 13 digits, e.g. T7000012050002"
    if int(match.group(1)) != check_digit(match.group(2)):
        return f"check digit should be {check_digit(match.group(2))} (NTA corporate-number rule)"
    return None


@dataclass(frozen=True)
class Issuer:
    name_ja: str
    name_en: str
    registration_number: str


def issuer() -> Issuer:
    return Issuer(
        name_ja=settings.INVOICE_ISSUER_NAME_JA,
        name_en=settings.INVOICE_ISSUER_NAME_EN,
        registration_number=settings.INVOICE_ISSUER_REGISTRATION_NUMBER,
    )
