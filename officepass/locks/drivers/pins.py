"""PINs for credential locks: random digits from the OS's secure generator."""

import secrets

DEFAULT_PIN_DIGITS = 6


def new_pin(digits: int = DEFAULT_PIN_DIGITS) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(digits))
