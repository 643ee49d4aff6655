"""Door posters: one A4 page per space with its check-in QR code and instructions.

Drawn with reportlab's built-in Japanese CID font (HeiseiKakuGo-W5: no font file needed; or an
embedded TrueType font named by POSTER_FONT_PATH) and
the QR code from segno drawn as vector squares, so the code prints sharp at any size.
"""

import io

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
STEPS = (
    (
        "1. アプリで「チェックイン」を押し、このQRコードを読み取ります。",
        '1. Press "Check in" in the app and scan this QR code.',
    ),
    (
        "2. 利用時間を選び、チェックインします。チケットは選んだ時間で数えます。",
        "2. Choose how long you will stay and check in (tickets count the time chosen).",
    ),
    (
        "3. 「開錠」でドアを開けます。お帰りの際はチェックアウトしてください。",
        '3. Press "Unlock" to open the door. Check out before you leave.',
    ),
)


def _font() -> str:
    """A TrueType font from POSTER_FONT_PATH, embedded; else the standard Japanese CID font,
    which PDF viewers supply themselves (poppler needs Debian's poppler-data for it)."""
    path = settings.POSTER_FONT_PATH
    name = "PosterFont" if path else FONT
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


def poster_pdf(space: Space) -> bytes:
    """The A4 poster of a space's current code (re-issue → print a new one)."""
    font = _font()
    width, height = A4
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
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
    pdf.drawCentredString(width / 2, height - 184 * mm, "チェックイン / Check in")
    y = height - 200 * mm
    for japanese, english in STEPS:
        pdf.setFont(font, 12)
        pdf.drawString(22 * mm, y, japanese)
        pdf.setFont(font, 10)
        pdf.drawString(26 * mm, y - 6 * mm, english)
        y -= 17 * mm
    pdf.setFont(font, 8)
    pdf.drawString(22 * mm, 12 * mm, f"space {space.pk} · code v{space.code_version}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
