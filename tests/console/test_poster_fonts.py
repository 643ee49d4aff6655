"""Issue 13.8: the door poster embeds its font, so every viewer and printer shows every line."""

import shutil
import subprocess
from pathlib import Path

import pytest

from officepass.console.poster import poster_pdf
from tests import factories as f

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("pdftoppm", "pdffonts", "pdftotext")),
        reason="needs poppler-utils: scripts/system-deps.sh",
    ),
]


def run(*args: str | Path) -> str:
    tool = shutil.which(str(args[0]))
    assert tool
    done = subprocess.run([tool, *args[1:]], capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout


@pytest.fixture
def poster(tmp_path) -> Path:
    office = f.office("H1T 新宿", help_desk_phone="03-6555-0123")
    space = f.space(office, name="オープン席エリア", seat_type="open")
    path = tmp_path / "poster.pdf"
    path.write_bytes(poster_pdf(space))
    return path


def test_every_font_of_the_poster_is_embedded(poster):
    rows = run("pdffonts", poster).splitlines()[2:]
    assert rows, "the poster names no font"
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column


def test_poppler_finds_the_office_space_steps_and_help_desk_number(poster):
    text = run("pdftotext", "-layout", poster, "-")
    for wanted in (
        "H1T 新宿",
        "オープン席エリア",
        "二次元コード",
        "1.",
        "2.",
        "3.",
        'Press "Unlock"',
        "03-6555-0123",
    ):
        assert wanted in text, wanted


def test_the_poster_rasterizes_with_its_text(poster, tmp_path):
    run("pdftoppm", "-r", "50", "-png", "-singlefile", poster, tmp_path / "page")
    assert (tmp_path / "page.png").stat().st_size > 10_000
