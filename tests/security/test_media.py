"""Uploads are named by us and served only as the image format Pillow verified: a PNG named
`seat.html` comes back as image/png with nosniff, never as a page of this site."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from officepass.accounts.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db
STORED = re.compile(r"seats/\d+/[0-9a-f]{32}\.(png|jpg|webp)")


def picture(kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client: Client, name: str, content: bytes, content_type: str) -> str:
    space = f.space(quota=3)
    email = f"op{User.objects.count()}@x.jp"
    staff = User.objects.create_user(email, f.PASSWORD, operator=space.office.operator)
    client.force_login(staff)
    form = {"name": "S", "seat_type": "open", "quota": 3, "is_active": "on"}
    file = SimpleUploadedFile(name, content, content_type=content_type)
    response = client.post(f"/console/spaces/{space.pk}/", {**form, "seat_image": file})
    assert response.status_code == 302
    space.refresh_from_db()
    return str(space.seat_image.name)


def test_a_png_uploaded_as_seat_html_is_stored_under_our_name_and_served_as_png(
    client: Client, media: Path
) -> None:
    name = upload(client, "seat.html", picture(), "text/html")
    assert STORED.fullmatch(name), name
    response = Client().get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.getvalue() == picture()


def test_the_content_type_follows_the_verified_format_not_the_name(
    client: Client, media: Path
) -> None:
    name = upload(client, "photo.png", picture("JPEG"), "image/png")
    assert name.endswith(".jpg")
    assert Client().get(f"/media/{name}")["Content-Type"] == "image/jpeg"


def test_two_uploads_of_the_same_name_get_different_names(client: Client, media: Path) -> None:
    first = upload(client, "seat.png", picture(), "image/png")
    second = upload(client, "seat.png", picture(), "image/png")
    assert first != second and "seat.png" not in first + second


def test_a_stored_file_with_an_uploaders_name_is_served_by_what_it_is(media: Path) -> None:
    folder = media / "seats" / "1"
    folder.mkdir(parents=True)
    (folder / "seat.html").write_bytes(picture())
    (folder / "page.html").write_bytes(b"<script>alert(1)</script>")
    png = Client().get("/media/seats/1/seat.html")
    assert (png.status_code, png["Content-Type"]) == (200, "image/png")
    assert png["X-Content-Type-Options"] == "nosniff"
    assert Client().get("/media/seats/1/page.html").status_code == 404
    assert Client().get("/media/seats/1/missing.png").status_code == 404
    assert Client().get("/media/../config/settings.py").status_code == 404
    assert Client().post("/media/seats/1/seat.html").status_code == 405
