"""Bad input gets a stable code in the caller's shape, never a 500 (both database passes)."""

import io
import json
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from officepass.offices.models import Space
from officepass.support.models import TroubleReport
from tests import factories

pytestmark = pytest.mark.django_db
TWENTY_MB = 20 * 1024 * 1024


def test_an_api_body_of_20_mb_is_request_too_large_in_json(client):
    body = json.dumps({"email": "a@example.com", "password": "x" * TWENTY_MB})
    response = client.post(
        "/api/v1/auth/token", body, "application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert response.json() == {"code": "request_too_large", "message": "The request is too large."}


def test_a_web_form_of_20_mb_is_request_too_large_on_a_page(client):
    response = client.post("/signin", {"email": "a@example.com", "password": "x" * TWENTY_MB})
    assert response.status_code == 413
    assert b'data-code="request_too_large"' in response.content
    assert "リクエストが大きすぎます" in response.content.decode()


def test_too_many_fields_are_request_too_large(client):
    fields = {f"f{i}": "x" for i in range(1200)}
    response = client.post("/signin", fields)
    assert response.status_code == 413
    assert b'data-code="request_too_large"' in response.content


def test_a_nul_in_the_api_is_invalid_input_in_the_callers_language(client):
    body = json.dumps({"email": "a\x00@example.com", "password": "x"})
    english = client.post("/api/v1/auth/token", body, "application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert english.json() == {"code": "invalid_input", "message": "The request is not valid."}
    japanese = client.post("/api/v1/auth/token", body, "application/json")
    assert japanese.json()["message"].startswith("リクエストの内容が正しくありません")


def test_a_nul_on_a_page_is_a_400_page_in_japanese(client):
    response = client.get("/offices", {"q": "東京\x00"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert 'data-code="invalid_input"' in response.content.decode()
    assert "リクエストの内容が正しくありません" in response.content.decode()


def test_text_that_only_looks_like_an_escaped_nul_is_kept(client):
    member = factories.member()
    client.force_login(member)
    office = factories.office()
    message = r"the display shows \u0000 on the door"
    body = {"kind": "other", "office": office.pk, "message": message}
    response = client.post("/trouble", body)
    assert response.status_code in (200, 302)
    assert TroubleReport.objects.get().message == message


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header claims width × height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def big_real_png() -> bytes:
    """A valid 49-megapixel PNG (1 bit per pixel: small in memory and on disk)."""
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "image", [png_claiming(100_000, 100_000), big_real_png()], ids=["bomb", "49-megapixels"]
)
def test_a_decompression_bomb_is_a_form_error_on_the_space_form(
    client, world, settings, image, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.staff)
    base = {"name": "ALPHA-SPACE", "seat_type": "booth", "quota": 3, "is_active": "on"}
    upload = SimpleUploadedFile("seat.png", image, content_type="image/png")
    response = client.post(f"/console/spaces/{world.space.pk}/", {**base, "seat_image": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["seat_image"] == [
        "画像の画素数が4000万を超えています。小さい画像をアップロードしてください。"
    ]
    assert not Space.objects.get(pk=world.space.pk).seat_image


def test_a_multipart_body_without_a_boundary_is_invalid_input(client):
    response = client.generic("POST", "/signin", b"x", "multipart/form-data")
    assert response.status_code == 400
    assert b'data-code="invalid_input"' in response.content


def test_the_api_reads_a_multipart_body_raw_and_refuses_it_as_json(client):
    response = client.generic("POST", "/api/v1/auth/token", b"x", "multipart/form-data")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
