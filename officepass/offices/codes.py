"""Door codes: an opaque signed token naming one space and its code version.

Re-issuing a space's code bumps `code_version`, so every older token stops working.
"""

from django.conf import settings
from django.core import signing

from officepass.core.errors import DomainError

SALT = "officepass.checkin-code"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, algorithm="sha256")


def make_code(space_id: int, version: int) -> str:
    return _signer().sign_object({"s": space_id, "v": version}, compress=True)


def parse_code(code: str) -> tuple[int, int]:
    """(space id, version) of a genuine code; `invalid_code` for anything else."""
    if not code or len(code) > 200:
        raise DomainError("invalid_code")
    try:
        data = _signer().unsign_object(code)
        return int(data["s"]), int(data["v"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise DomainError("invalid_code") from exc


def checkin_url(code: str) -> str:
    return f"{settings.SITE_URL}/c/{code}"
