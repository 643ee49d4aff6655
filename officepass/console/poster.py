"""Door posters: one A4 page per space with its check-in QR code and instructions.

The text is drawn with the TrueType font named by POSTER_FONT_PATH (IPAGothic from Debian's
fonts-ipafont-gothic, installed by scripts/system-deps.sh), embedded as a subset: a poster
whose fonts are left to the viewer loses its Latin text and numbers in poppler and
Ghostscript. The QR code from segno is drawn as vector squares, so it prints sharp at any size.
"""

import io
import logging
from pathlib import Path

import segno
from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from officepass.offices.codes import checkin_url, make_code
from officepass.offices.models import SeatType, Space

FONT = "HeiseiKakuGo-W5"
log = logging.getLogger(__name__)

SEAT_TYPES_JA: dict[str, str] = {
    SeatType.OPEN: "オープン席",
    SeatType.PRIVATE_ROOM: "個室",
    SeatType.BOOTH: "BOOTH席",
    SeatType.BOX: "BOX席",
}
SEAT_TYPES_EN: dict[str, str] = {
    SeatType.OPEN: "Open seats",
    SeatType.PRIVATE_ROOM: "Private room",
    SeatType.BOOTH: "Booth",
    SeatType.BOX: "Box",
}
# The guide's wording (二次元コード, チェックイン, 開錠, チェックアウト) and its order.
STEPS = (
    (
        "1. アプリにログインし「チェックイン」から二次元コードを読み取ります。",
        '1. Sign in to the app, press "Check in" and scan this code.',
    ),
    (
        "2. 利用時間を選び「チェックイン」を押します。チケットは選んだ時間で数えます。",
        '2. Choose how long you will stay and press "Check in" (tickets count the time chosen).',
    ),
    (
        "3. 入退室は「開錠」で。退出時は必ず開錠してからチェックアウトしてください。",
        '3. Press "Unlock" to open the door. When you leave, unlock, then check out.',
    ),
)


def _font() -> str:
    """The TrueType font from POSTER_FONT_PATH, embedded; only when it is missing, the standard
    Japanese CID font, which viewers must supply (and a warning says the poster is degraded)."""
    path = settings.POSTER_FONT_PATH
    if path and not Path(path).is_file():
        log.warning("POSTER_FONT_PATH %s missing: run scripts/system-deps.sh", path)
        path = ""
    name = f"Poster-{Path(path).stem}" if path else FONT
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path) if path else UnicodeCIDFont(FONT))
    return name


def space_checkin_url(space: Space) -> str:
    return checkin_url(make_code(space.pk, space.code_version))


def _draw_qr(pdf: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code as black squares (4-module quiet zone included in `size`)."""
    qr = segno.make(url, error="m")
    matrix = list(qr.matrix_iter(border=4))
    module = size / len(matrix)
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        start = None
        # One rectangle per horizontal run of dark modules: no hairline gaps when printed.
        for col_index, dark in enumerate([*row, False]):
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                width = (col_index - start) * module
                pdf.rect(x + start * module, top, width, module, stroke=0, fill=1)
                start = None


def _draw_help_desk(pdf: canvas.Canvas, font: str, space: Space, y: float) -> None:
    """The guide's exit-trouble procedure points to the help desk "posted by the door"."""
    phone = space.office.help_desk_phone
    if not phone:
        return
    pdf.setFont(font, 12)
    pdf.drawString(22 * mm, y, f"ドアが開かないときのお客様窓口: {phone}")
    pdf.setFont(font, 10)
    pdf.drawString(26 * mm, y - 6 * mm, f"If the door does not open, call the help desk: {phone}")


def poster_pdf(space: Space) -> bytes:
    """The A4 poster of a space's current code (re-issue → print a new one)."""
    font = _font()
    width, height = A4
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, initialFontName=font)  # no unembedded Helvetica
    pdf.setTitle(f"{space.office.name} / {space.name}")
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 30 * mm, space.office.name)
    pdf.setFont(font, 20)
    seat = space.seat_type
    pdf.drawCentredString(width / 2, height - 42 * mm, space.name)
    pdf.setFont(font, 14)
    pdf.drawCentredString(
        width / 2,
        height - 52 * mm,
        f"{SEAT_TYPES_JA.get(seat, seat)} / {SEAT_TYPES_EN.get(seat, seat)}",
    )
    qr_size = 110 * mm
    _draw_qr(pdf, space_checkin_url(space), (width - qr_size) / 2, height - 172 * mm, qr_size)
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, height - 184 * mm, "チェックインはこちらから / Check in here")
    y = height - 200 * mm
    for japanese, english in STEPS:
        pdf.setFont(font, 12)
        pdf.drawString(22 * mm, y, japanese)
        pdf.setFont(font, 10)
        pdf.drawString(26 * mm, y - 6 * mm, english)
        y -= 17 * mm
    _draw_help_desk(pdf, font, space, y)
    pdf.setFont(font, 8)
    pdf.drawString(22 * mm, 12 * mm, f"space {space.pk} · code v{space.code_version}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
