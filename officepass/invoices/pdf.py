"""PDFs of the money documents: receipt (領収書), return invoice (返還インボイス) and company
invoice (適格請求書), in Japanese with English beside it.

Drawn with the font the door posters embed (POSTER_FONT_PATH: IPAGothic from
scripts/system-deps.sh), as a subset, so every viewer shows the same text. Every figure is
read from the frozen document and its ledger entries, never recomputed differently here.
"""

import io
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from officepass.core import clock
from officepass.invoices.models import CompanyInvoice, IssuedDocument, Receipt, ReturnInvoice

FALLBACK_FONT = "HeiseiKakuGo-W5"
log = logging.getLogger(__name__)


def _font() -> str:
    path = settings.POSTER_FONT_PATH
    if path and not Path(path).is_file():
        log.warning("POSTER_FONT_PATH %s missing: run scripts/system-deps.sh", path)
        path = ""
    name = f"Doc-{Path(path).stem}" if path else FALLBACK_FONT
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path) if path else UnicodeCIDFont(FALLBACK_FONT))
    return name


def yen(amount: int) -> str:
    return f"¥{amount:,}"


def _date(at: datetime) -> str:
    return at.astimezone(clock.network_zone()).strftime("%Y-%m-%d")


class _Page:
    """A tiny cursor over one A4 page (a new page when the lines run out)."""

    def __init__(self, title: str) -> None:
        self.font = _font()
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4, initialFontName=self.font)
        self.pdf.setTitle(title)
        self.width, self.height = A4
        self.y = self.height - 25 * mm

    def line(self, text: str, size: float = 10, right: str | None = None, gap: float = 6) -> None:
        if self.y < 25 * mm:
            self.pdf.showPage()
            self.y = self.height - 25 * mm
        self.pdf.setFont(self.font, size)
        self.pdf.drawString(20 * mm, self.y, text)
        if right is not None:
            self.pdf.drawRightString(self.width - 20 * mm, self.y, right)
        self.y -= gap * mm

    def space(self, gap: float = 4) -> None:
        self.y -= gap * mm

    def finish(self) -> bytes:
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def _header(page: _Page, title_ja: str, title_en: str, doc: IssuedDocument, code: str) -> None:
    page.line(f"{title_ja} / {title_en}", size=18, gap=10)
    page.line(f"番号 No.: {code}", right=f"発行日 Issued: {_date(doc.issued_at)}")
    page.line(f"発行者 Issuer: {doc.issuer_name_ja} / {doc.issuer_name_en}")
    page.line(f"登録番号 Registration No.: {doc.issuer_registration_number}")
    page.space()


def _rate_totals(page: _Page, doc: IssuedDocument, sign_ja: str = "") -> None:
    page.space()
    for rate, figures in sorted(doc.rate_totals.items(), key=lambda kv: -int(kv[0])):
        page.line(
            f"{sign_ja}{rate}%対象 Subject to {rate}% (tax incl.)",
            right=yen(figures["total_yen"]),
        )
        page.line(f"  うち消費税 Consumption tax {rate}%", right=yen(figures["tax_yen"]))
    page.space(2)
    page.line("合計(税込) Total (tax included)", size=12, right=yen(doc.total_yen), gap=7)
    page.line("消費税額合計 Total consumption tax", right=yen(doc.tax_yen))
    page.space()
    page.line(
        "消費税は税率ごとに1回、切り捨てで計算しています。"
        " Tax is rounded down once per rate per document.",
        size=8,
    )


def _lines(page: _Page, rows: Iterable[tuple[str, str, int, int]]) -> None:
    page.line("内容 Description", right="金額(税込) Amount (tax incl.)", gap=7)
    for text_ja, text_en, amount, rate in rows:
        page.line(f"{text_ja} / {text_en}  [{rate}%]", size=9, right=yen(amount))


def render_receipt_pdf(receipt: Receipt) -> bytes:
    page = _Page(f"領収書 Receipt {receipt.code}")
    _header(page, "領収書", "Receipt", receipt, receipt.code)
    page.line(f"宛名 Received from: {receipt.recipient_name} 様")
    page.line(f"お支払日 Paid on: {_date(receipt.occurred_at)}  (カード Card: {receipt.provider})")
    page.space()
    _lines(
        page,
        (
            (e.description_ja, e.description_en, e.amount_yen, e.tax_rate_percent)
            for e in receipt.entries.order_by("id")
        ),
    )
    _rate_totals(page, receipt)
    page.line("上記の金額を正に領収いたしました。 Received with thanks.", size=9)
    return page.finish()


def render_return_invoice_pdf(document: ReturnInvoice) -> bytes:
    page = _Page(f"返還インボイス Return invoice {document.code}")
    _header(page, "適格返還請求書(返還インボイス)", "Return invoice", document, document.code)
    page.line(f"宛名 To: {document.receipt.recipient_name} 様")
    page.line(
        f"返金日 Refunded on: {_date(document.occurred_at)}"
        f"  元の領収書 Original receipt: {document.receipt.code}"
        f" ({_date(document.receipt.occurred_at)})"
    )
    page.line(f"理由 Reason: {document.reason}")
    page.space()
    _lines(
        page,
        (
            (e.description_ja, e.description_en, -e.amount_yen, e.tax_rate_percent)
            for e in document.entries.order_by("id")
        ),
    )
    _rate_totals(page, document, sign_ja="返還 ")
    return page.finish()


def render_company_invoice_pdf(invoice: CompanyInvoice) -> bytes:
    page = _Page(f"請求書 Invoice {invoice.code}")
    _header(page, "適格請求書", "Qualified invoice", invoice, invoice.code)
    page.line(f"請求先 Bill to: {invoice.recipient_name} 御中", size=12, gap=7)
    page.line(f"ご利用期間 Period: {_date(invoice.period_start)} – {_last_day(invoice)}")
    page.line(f"ご利用チケット Tickets used: {invoice.tickets}")
    if invoice.yen_per_ticket:
        page.line(
            f"単価 Price per ticket: {yen(invoice.yen_per_ticket)}"
            f" (税込 tax incl., {invoice.tax_rate_percent}%)"
        )
    page.space()
    _lines(
        page,
        (
            (
                f"{e.description_ja} {e.tickets}枚",
                f"{e.description_en} × {e.tickets}",
                e.amount_yen,
                e.tax_rate_percent,
            )
            for e in invoice.entries.select_related("payer", "office").order_by("id")
        ),
    )
    _rate_totals(page, invoice)
    return page.finish()


def _last_day(invoice: CompanyInvoice) -> str:
    return _date(invoice.period_end - timedelta(seconds=1))
