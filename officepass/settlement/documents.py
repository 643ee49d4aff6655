"""The payout statement as a document: an A4 PDF that serves as the buyer-issued purchase
statement (仕入明細書: both registration numbers, the period, lines with unit price, quantity
and amount, the tax-included total and its tax per rate), and CSV rows of its lines and of the
ledger entries behind them. Everything is read from the frozen statement, never recomputed.

The font is the TrueType font the door posters embed (POSTER_FONT_PATH, IPAGothic), embedded
as a subset; only when it is missing, the standard Japanese CID font (not embedded).
"""

import io
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from officepass.core import clock
from officepass.settlement.models import Statement, StatementEntry, StatementLine
from officepass.settlement.selectors import day_start

log = logging.getLogger(__name__)
CID_FONT = "HeiseiKakuGo-W5"
KINDS_JA: dict[str, str] = {StatementLine.Kind.USAGE: "利用", StatementLine.Kind.ADJUSTMENT: "調整"}
KINDS_EN: dict[str, str] = {
    StatementLine.Kind.USAGE: "usage",
    StatementLine.Kind.ADJUSTMENT: "adjustment",
}
LINES_PER_PAGE = 30


def _font() -> str:
    path = settings.POSTER_FONT_PATH
    if path and not Path(path).is_file():
        log.warning("POSTER_FONT_PATH %s missing: run scripts/system-deps.sh", path)
        path = ""
    name = f"Poster-{Path(path).stem}" if path else CID_FONT
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path) if path else UnicodeCIDFont(CID_FONT))
    return name


def yen(amount: int) -> str:
    return f"{amount:,}円"


def period(statement: Statement) -> tuple[str, str]:
    """The statement's first and last network dates."""
    end = clock.next_month_start(day_start(statement.month)) - timedelta(days=1)
    return statement.month.isoformat(), end.date().isoformat()


def statement_pdf(statement: Statement) -> bytes:
    font = _font()
    width, height = A4
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, initialFontName=font)
    pdf.setTitle(f"仕入明細書 {statement.number}")
    lines = list(statement.lines.all())
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    first, last = period(statement)
    for number, chunk in enumerate(pages, start=1):
        pdf.setFont(font, 18)
        pdf.drawString(20 * mm, height - 22 * mm, "仕入明細書 (支払明細) / Payout statement")
        pdf.setFont(font, 9)
        pdf.drawRightString(
            width - 20 * mm, height - 15 * mm, f"{statement.number}  {number}/{len(pages)}"
        )
        y = height - 32 * mm
        if number == 1:
            y = _draw_head(pdf, font, statement, first, last, y)
        y = _draw_lines(pdf, font, chunk, y)
        if number == len(pages):
            _draw_totals(pdf, font, statement, y)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_head(
    pdf: canvas.Canvas, font: str, statement: Statement, first: str, last: str, y: float
) -> float:
    rows = [
        (f"{statement.operator_name} 御中", 12),
        (
            f"登録番号 (registration no.): {statement.operator_registration_number or '—'}",
            9,
        ),
        (f"対象期間 (period): {first} 〜 {last}", 9),
        (f"発行日 (issued): {clock.network_iso(statement.closed_at)[:10]}", 9),
        (f"発行者 (issuer): {statement.issuer_name}", 9),
        (f"登録番号 (issuer registration no.): {statement.issuer_registration_number or '—'}", 9),
    ]
    for text, size in rows:
        pdf.setFont(font, size)
        pdf.drawString(20 * mm, y, text)
        y -= 6 * mm
    pdf.setFont(font, 8)
    pdf.drawString(
        20 * mm,
        y,
        "当社が記載した仕入明細書です。内容をご確認のうえ、コンソールで確認してください。",
    )
    y -= 4.5 * mm
    pdf.drawString(
        20 * mm,
        y,
        "This buyer-issued statement lists what we owe you; please confirm it in the console.",
    )
    return y - 8 * mm


COLUMNS = (
    (20, "区分 kind"),
    (42, "拠点 office"),
    (118, "単価 円/枚"),
    (140, "利用 件"),
    (158, "チケット 枚"),
    (190, "金額 円"),
)


def _draw_lines(pdf: canvas.Canvas, font: str, lines: list[StatementLine], y: float) -> float:
    pdf.setFont(font, 8)
    for x, title in COLUMNS:
        draw = pdf.drawRightString if x >= 118 else pdf.drawString
        draw(x * mm, y, title)
    y -= 2 * mm
    pdf.line(20 * mm, y, 190 * mm, y)
    y -= 5 * mm
    pdf.setFont(font, 9)
    for line in lines:
        pdf.drawString(20 * mm, y, KINDS_JA.get(line.kind, line.kind))
        pdf.drawString(42 * mm, y, line.office_name[:36])
        pdf.drawRightString(118 * mm, y, f"{line.yen_per_ticket:,}")
        pdf.drawRightString(140 * mm, y, f"{line.stays:,}")
        pdf.drawRightString(158 * mm, y, f"{line.tickets:,}")
        pdf.drawRightString(190 * mm, y, f"{line.amount:,}")
        y -= 6 * mm
    return y


def _draw_totals(pdf: canvas.Canvas, font: str, statement: Statement, y: float) -> None:
    pdf.line(20 * mm, y + 3 * mm, 190 * mm, y + 3 * mm)
    percent = statement.tax_rate_percent
    rows = [
        f"{percent}%対象 合計 (税込) / total incl. {percent}% tax: {yen(statement.amount)}",
        f"うち消費税 ({percent}%) / of which consumption tax: {yen(statement.tax_amount)}",
        f"チケット {statement.tickets:,}枚 · 利用 {statement.stays:,}件",
    ]
    pdf.setFont(font, 11)
    for text in rows:
        y -= 6 * mm
        pdf.drawRightString(190 * mm, y, text)
    if statement.confirmed_at:
        y -= 10 * mm
        pdf.setFont(font, 9)
        pdf.drawString(
            20 * mm, y, f"確認済み (confirmed): {clock.network_iso(statement.confirmed_at)}"
        )


LINE_HEADER = [
    "statement",
    "month",
    "operator",
    "operator_registration_number",
    "issuer_registration_number",
    "kind",
    "office_id",
    "office",
    "rate_yen_per_ticket",
    "stays",
    "tickets",
    "amount_yen",
]


def line_rows(statement: Statement) -> Iterator[list[Any]]:
    for line in statement.lines.all():
        yield [
            statement.number,
            statement.month.strftime("%Y-%m"),
            statement.operator_name,
            statement.operator_registration_number,
            statement.issuer_registration_number,
            KINDS_EN.get(line.kind, line.kind),
            line.office_id,
            line.office_name,
            line.yen_per_ticket,
            line.stays,
            line.tickets,
            line.amount,
        ]
    yield [
        statement.number,
        statement.month.strftime("%Y-%m"),
        statement.operator_name,
        statement.operator_registration_number,
        statement.issuer_registration_number,
        "total",
        "",
        f"tax {statement.tax_rate_percent}% included: {statement.tax_amount}",
        "",
        statement.stays,
        statement.tickets,
        statement.amount,
    ]


ENTRY_HEADER = [
    "statement",
    "kind",
    "office_id",
    "office",
    "rate_yen_per_ticket",
    "stay_id",
    "stay_started_at",
    "ledger_entry_id",
    "ledger_kind",
    "ledger_effective_at",
    "tickets",
    "amount_yen",
]


def entry_rows(statement: Statement) -> Iterator[list[Any]]:
    """One row per ledger entry the statement counts: every line traced to its stays."""
    lines = {
        line.pk: (
            KINDS_EN.get(line.kind, line.kind),
            line.office_id,
            line.office_name,
            line.yen_per_ticket,
        )
        for line in statement.lines.all()
    }
    entries = (
        StatementEntry.objects.filter(line__statement=statement)
        # Line by line (lines are numbered in the statement's order), entries in ledger order.
        .order_by("line_id", "ledger_entry_id")
        .values_list(
            "line_id",
            "stay_id",
            "stay__started_at",
            "ledger_entry_id",
            "ledger_entry__kind",
            "ledger_entry__effective_at",
            "tickets",
        )
    )
    for line_id, stay_id, started_at, entry_id, kind, effective_at, tickets in entries:
        line_kind, office_id, office_name, rate = lines[line_id]
        yield [
            statement.number,
            line_kind,
            office_id,
            office_name,
            rate,
            stay_id,
            clock.network_iso(started_at),
            entry_id,
            kind,
            clock.network_iso(effective_at),
            tickets,
            tickets * rate,
        ]
