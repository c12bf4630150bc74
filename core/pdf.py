"""Printable documents (decision letters, remittance advice) as PDF, built with ReportLab.

A document is a title and a list of blocks, so the modules that write letters say what the letter
says and never lay out a page:

    render_pdf(title="Prior authorization decision", blocks=[
        Heading("Request PA-2026-000123"),
        Paragraph("The service lines below were decided on 2 December 2026."),
        Table(header=["Line", "Code", "Decision"], rows=[["1", "97110", "Approved"]]),
    ], footer="Demo Health Plan · 1-800-555-0100")

Text is escaped before ReportLab sees it (its paragraphs read a small markup language), so a
member's or a provider's own words can never change the layout.
"""

from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


Block = Heading | Paragraph | Table


def _text(value) -> str:
    return escape(str(value if value is not None else "")).replace("\n", "<br/>")


def render_pdf(*, title: str, blocks: list[Block], footer: str = "", author: str = "") -> bytes:
    """The document as PDF bytes (US Letter, one-inch margins, tables repeat their header)."""
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=9, leading=11)
    story = [RLParagraph(_text(title), styles["Title"])]
    for block in blocks:
        if isinstance(block, Heading):
            story.append(RLParagraph(_text(block.text), styles["Heading2"]))
        elif isinstance(block, Paragraph):
            story.append(RLParagraph(_text(block.text), styles["BodyText"]))
        elif isinstance(block, Table):
            data = [[RLParagraph(f"<b>{_text(h)}</b>", cell) for h in block.header]]
            data += [[RLParagraph(_text(value), cell) for value in row] for row in block.rows]
            table = RLTable(data, repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe1e2")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
        else:  # pragma: no cover - a programming error, not input
            raise TypeError(f"Not a document block: {block!r}")
        story.append(Spacer(1, 0.12 * inch))

    def _footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(inch, 0.6 * inch, footer)
        canvas.drawRightString(LETTER[0] - inch, 0.6 * inch, f"Page {document.page}")
        canvas.restoreState()

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=inch,
        bottomMargin=inch,
        title=title,
        author=author,
    )
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()
