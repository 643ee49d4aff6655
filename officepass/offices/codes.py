"""Door codes: an opaque signed token naming one space and its code version.

Re-issuing a space's code bumps `code_version`, so every older token stops working.

Rotating door displays add a 30-second window index `w` to the token: such a code is accepted
in its own window and the next one only (so a code shown at the door works for 30–60 s), and
a space with `rotating_display` accepts only those codes, so a photo is useless later.
A genuine code past its windows answers `code_expired` ("scan again"); anything forged or from
the future answers `invalid_code`.
"""

from django.conf import settings
from django.core import signing

from officepass.core.errors import DomainError

SALT = "officepass.checkin-code"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, algorithm="sha256")


def make_code(space_id: int, version: int) -> str:
    return _signer().sign_object({"s": space_id, "v": version}, compress=True)


ROTATION_SECONDS = 30


def window_now() -> int:
    """Index of the current 30-second window (read through the clock so tests can move it)."""
    from officepass.core import clock

    return int(clock.now().timestamp()) // ROTATION_SECONDS


def make_rotating_code(space_id: int, version: int, window: int | None = None) -> str:
    data = {"s": space_id, "v": version, "w": window_now() if window is None else window}
    return _signer().sign_object(data, compress=True)


def parse_code_window(code: str) -> tuple[int, int, int | None]:
    """(space id, version, window or None) of a genuine, current code; else `invalid_code`."""
    if not code or len(code) > 200:
        raise DomainError("invalid_code")
    try:
        data = _signer().unsign_object(code)
        space_id, version, window = int(data["s"]), int(data["v"]), data.get("w")
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DomainError("invalid_code") from exc
    if window is not None:
        _check_window(window)
    return space_id, version, window


def _check_window(window: object) -> None:
    """A genuine display code is good in its window and the next; an older one has expired
    (the member took longer than that, e.g. to sign in), a future one is not genuine."""
    age = window_now() - window if isinstance(window, int) else -1
    if age > 1:
        raise DomainError("code_expired")
    if age not in (0, 1):
        raise DomainError("invalid_code")


def parse_code(code: str) -> tuple[int, int]:
    """(space id, version) of a genuine code; `invalid_code` for anything else."""
    space_id, version, _ = parse_code_window(code)
    return space_id, version


def checkin_url(code: str) -> str:
    return f"{settings.SITE_URL}/c/{code}"
