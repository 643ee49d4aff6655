"""Door codes are signed (HMAC-SHA256 with the secret key): a tampered, truncated, extended,
forged or re-issued code is `invalid_code`, never a stay, never a 500."""

import base64
import string

import pytest
from django.core import signing
from django.db.models import F
from django.test import Client, override_settings

from officepass.core.errors import DomainError
from officepass.offices.codes import SALT, make_code, parse_code
from officepass.offices.models import Space
from officepass.offices.selectors import space_for_code
from officepass.stays.models import Stay
from tests import factories as f
from tests.security.helpers import bearer, send

pytestmark = pytest.mark.django_db
ALPHABET = string.ascii_letters + string.digits + "-_:"


def _refused(code: str) -> bool:
    try:
        space_for_code(code)
    except DomainError as exc:
        return exc.code == "invalid_code"
    return False


def _variants(code: str) -> set[str]:
    """Every single-character change, every truncation and a few extensions."""
    out = set()
    for i, char in enumerate(code):
        for other in {ALPHABET[(ALPHABET.index(char) + 1) % len(ALPHABET)], "A", "0"} - {char}:
            out.add(code[:i] + other + code[i + 1 :])
        out.add(code[:i])
    out |= {code + "A", code + ":", "A" + code, code.swapcase()}
    out.discard(code)
    return out


def test_every_tampered_or_truncated_code_is_refused() -> None:
    space = f.space()
    code = f.code_for(space)
    assert space_for_code(code) == space
    variants = _variants(code)
    assert len(variants) > 3 * len(code)
    accepted = [v for v in variants if not _refused(v)]
    assert accepted == []


def test_a_bit_flip_anywhere_in_the_decoded_signature_is_refused() -> None:
    code = f.code_for(f.space())
    payload, signature = code.rsplit(":", 1)
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    assert len(raw) == 32  # a full SHA-256 HMAC: 2**256 guesses, not a short number
    for bit in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        forged = base64.urlsafe_b64encode(bytes(flipped)).decode().rstrip("=")
        assert _refused(f"{payload}:{forged}"), bit


def test_a_code_naming_another_space_cannot_be_made_without_the_key() -> None:
    first, second = f.space(), f.space()
    mine = f.code_for(first)
    # the same payload shape for the other space, signed with a wrong key or salt
    wrong_key = signing.Signer(key="not-the-key", salt=SALT, algorithm="sha256").sign_object(
        {"s": second.pk, "v": 1}, compress=True
    )
    wrong_salt = signing.Signer(salt="other", algorithm="sha256").sign_object(
        {"s": second.pk, "v": 1}, compress=True
    )
    spliced = make_code(second.pk, 1).rsplit(":", 1)[0] + ":" + mine.rsplit(":", 1)[1]
    assert all(_refused(c) for c in (wrong_key, wrong_salt, spliced))


def test_codes_made_under_another_secret_key_are_refused() -> None:
    space = f.space()
    with override_settings(SECRET_KEY="another-deployment-" + "x" * 40):
        foreign = make_code(space.pk, space.code_version)
    assert _refused(foreign)
    assert parse_code(f.code_for(space)) == (space.pk, space.code_version)


def test_reissuing_a_code_revokes_the_old_one(client: Client) -> None:
    space = f.space()
    old = f.code_for(space)
    Space.objects.filter(pk=space.pk).update(code_version=F("code_version") + 1)
    new = f.code_for(space)
    assert new != old and _refused(old)
    headers = bearer(client, f.member("r@x.jp"))
    refused = send(client, "POST", "/api/v1/stays", {"code": old, "minutes": 120}, **headers)
    assert refused.status_code == 404 and refused.json()["code"] == "invalid_code"
    assert client.get(f"/api/v1/checkin-codes/{old}").json()["code"] == "invalid_code"
    assert client.get(f"/c/{old}").status_code == 404
    assert Stay.objects.count() == 0
    ok = send(client, "POST", "/api/v1/stays", {"code": new, "minutes": 120}, **headers)
    assert ok.status_code == 201


@pytest.mark.parametrize("junk", ["", "x" * 500, "%00", "../../etc/passwd", "é", "1:2:3"])
def test_junk_codes_over_http_are_invalid_code_not_errors(client: Client, junk: str) -> None:
    headers = bearer(client, f.member("j@x.jp"))
    response = send(client, "POST", "/api/v1/stays", {"code": junk, "minutes": 120}, **headers)
    assert response.status_code in (400, 404)
    assert response.json()["code"] in ("invalid_code", "invalid_input")
