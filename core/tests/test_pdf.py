from io import BytesIO

from pypdf import PdfReader

from core.pdf import Heading, Paragraph, Table, render_pdf


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_document_is_a_pdf_with_its_words():
    pdf = render_pdf(
        title="Prior authorization decision",
        blocks=[
            Heading("Request PA-2026-000001"),
            Paragraph("Line 1 approved.\nLine 2 denied."),
            Table(header=["Line", "Code", "Decision"], rows=[["1", "97110", "Approved"], ["2", "97112", "Denied"]]),
        ],
        footer="Demo Health Plan",
    )
    reader = PdfReader(BytesIO(pdf))
    assert reader.metadata.title == "Prior authorization decision"
    text = _text(pdf)
    for words in ("Prior authorization decision", "PA-2026-000001", "97110", "Denied", "Demo Health Plan", "Page 1"):
        assert words in text


def test_user_text_comes_out_as_typed():
    # ReportLab paragraphs read XML-like markup: a provider's own words must not be read as it.
    pdf = render_pdf(title="Letter", blocks=[Paragraph('<font size="40">big</font> & <b>bold</b>')])
    assert '<font size="40">big</font> & <b>bold</b>' in _text(pdf)


def test_long_tables_continue_on_the_next_page_with_their_header():
    rows = [[str(n), "97110", "Approved"] for n in range(1, 120)]
    pdf = render_pdf(title="Remittance", blocks=[Table(header=["Line", "Code", "Decision"], rows=rows)])
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert "Line" in reader.pages[1].extract_text() and "119" in _text(pdf)
