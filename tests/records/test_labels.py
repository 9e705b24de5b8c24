"""The CONFIDENTIAL label check and stamping (records.labels), on real documents."""

import hashlib
import io
import math

import docx
import docx.shared
import docx.table
import docx.text.paragraph
import pypdfium2
import pypdfium2.raw
import pytest
from pypdf import PdfReader

from records import labels
from records.budgets import Budget, OverBudget
from records.labels import Outcome, StampError, check_document, contains_marking, stamp_document
from tests.documents import (
    corrupt_docx_bytes,
    corrupt_pdf_bytes,
    docx_bytes,
    encrypted_pdf_bytes,
    image_only_pdf_bytes,
    joined_pdf_bytes,
    landscape_pdf_bytes,
    ole_bytes,
    pdf_bytes,
    random_binary_bytes,
    reshaped_pdf_bytes,
    zip_bytes,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_page_texts(data):
    document = pypdfium2.PdfDocument(data)
    try:
        return [document[index].get_textpage().get_text_bounded() for index in range(len(document))]
    finally:
        document.close()


def marking_boxes(data, page_index=0):
    """(left, bottom, right, top) of each drawn "CONFIDENTIAL" on a page, in PDF user space."""
    document = pypdfium2.PdfDocument(data)
    try:
        text_page = document[page_index].get_textpage()
        rects = [text_page.get_rect(index) for index in range(text_page.count_rects())]
        return [rect for rect in rects if "CONFIDENTIAL" in text_page.get_text_bounded(*rect)]
    finally:
        document.close()


def marking_angle(data):
    """The angle, in whole degrees, at which PDFium reads the first "CONFIDENTIAL" on page 1."""
    document = pypdfium2.PdfDocument(data)
    try:
        text_page = document[0].get_textpage()
        index = text_page.get_text_range().index("CONFIDENTIAL")
        return round(math.degrees(pypdfium2.raw.FPDFText_GetCharAngle(text_page.raw, index))) % 360
    finally:
        document.close()


# --------------------------------------------------------------------------- the word rule


@pytest.mark.parametrize(
    "text",
    [
        "CONFIDENTIAL",
        "Company CONFIDENTIAL - CPNI",
        "(CONFIDENTIAL)",
        "_CONFIDENTIAL_",
        "**CONFIDENTIAL**",
        "CONFIDENTIAL\u2014contains CPNI",
        "C O N F I D E N T I A L",
        "CONFI\nDENTIAL",
        "CONFI\r\nDENTIAL",
        "C\r\n O N F I D E N T I A L",
    ],
)
def test_marking_is_recognised(text):
    assert contains_marking(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "This report is confidential and must not be shared.",
        "Confidential",
        "CONFIDENTIALITY AGREEMENT",
        "NONCONFIDENTIAL",
        "NON-CONFIDENTIAL",
        "Non-CONFIDENTIAL",
        "CONFIDENTIAL2",
        "XCONFIDENTIAL",
        "C    O N F I D E N T I A L",  # four spaces: more than a few
        "CONFIDENTAL",
    ],
)
def test_other_text_is_not_the_marking(text):
    assert not contains_marking(text)


def test_a_negated_marking_does_not_hide_a_real_one_later():
    assert contains_marking("NON-CONFIDENTIAL summary, then the CONFIDENTIAL part")


# --------------------------------------------------------------------------- PDF check


@pytest.mark.parametrize(
    "data",
    [
        pdf_bytes(["Customer call records", "CONFIDENTIAL"]),
        pdf_bytes(["Customer call records"], header="CONFIDENTIAL - contains CPNI"),
        pdf_bytes(["Customer call records"], footer="Page 1 of 1   CONFIDENTIAL"),
        pdf_bytes(["Customer call records"], table_cells=[["Class", "CONFIDENTIAL"], ["Owner", "Billing"]]),
        pdf_bytes(["Customer call records"], watermark="CONFIDENTIAL"),
        pdf_bytes(["Customer call records"], letter_spaced="CONFIDENTIAL"),
    ],
    ids=["body", "header", "footer", "table", "diagonal-watermark", "letter-spaced"],
)
def test_pdf_with_marking_is_labelled_on_page_1(data):
    result = check_document("report.pdf", data)

    assert result.outcome is Outcome.LABELLED
    assert result.labelled
    assert result.kind == "pdf"
    assert result.reason == "The word CONFIDENTIAL appears on page 1."


def test_pdf_reason_names_the_page_with_the_marking():
    data = pdf_bytes(["Call detail records"], pages=3, page_lines={3: ["CONFIDENTIAL"]})

    result = check_document("cdr.pdf", data)

    assert result.outcome is Outcome.LABELLED
    assert result.reason == "The word CONFIDENTIAL appears on page 3."


def test_marking_in_rotated_landscape_page_is_found_even_when_pdfium_glues_lines():
    data = landscape_pdf_bytes(["Customer list", "Second line", "CONFIDENTIAL"])
    assert "CONFIDENTIAL" in pdf_page_texts(data)[0]
    assert not contains_marking(pdf_page_texts(data)[0])  # PDFium's own text glues the lines

    assert check_document("landscape.pdf", data).labelled


@pytest.mark.parametrize(
    "lines",
    [
        ["Customer call records"],
        ["This report is confidential and must not be shared."],
        ["CONFIDENTIALITY AGREEMENT"],
        ["NONCONFIDENTIAL"],
    ],
)
def test_pdf_without_the_marking_is_not_labelled(lines):
    result = check_document("report.pdf", pdf_bytes(lines, pages=2))

    assert result.outcome is Outcome.NOT_LABELLED
    assert not result.labelled
    assert result.reason == "No CONFIDENTIAL marking was found in the document's text."


def test_image_only_pdf_is_unreadable_not_unlabelled():
    result = check_document("scan.pdf", image_only_pdf_bytes(pages=2))

    assert result.outcome is Outcome.UNREADABLE
    assert result.kind == "pdf"
    assert "no text layer" in result.reason


def test_partly_scanned_pdf_without_marking_says_which_pages_could_not_be_checked():
    data = joined_pdf_bytes(pdf_bytes(["Customer call records"]), image_only_pdf_bytes(pages=2))

    result = check_document("mixed.pdf", data)

    assert result.outcome is Outcome.NOT_LABELLED
    assert result.reason == (
        "No CONFIDENTIAL marking was found in the document's text. "
        "2 of 3 pages have no text layer (scanned?) and could not be checked."
    )


def test_partly_scanned_pdf_with_marking_on_a_text_page_is_labelled():
    data = joined_pdf_bytes(image_only_pdf_bytes(), pdf_bytes(["CONFIDENTIAL"]))

    assert check_document("mixed.pdf", data).reason == "The word CONFIDENTIAL appears on page 2."


def test_password_protected_pdf_is_unreadable():
    result = check_document("locked.pdf", encrypted_pdf_bytes())

    assert result.outcome is Outcome.UNREADABLE
    assert result.reason == "The PDF is encrypted: remove the password and upload it again."


def test_pdf_with_only_an_owner_password_opens_and_is_checked():
    assert check_document("restricted.pdf", encrypted_pdf_bytes(user_password="")).labelled


@pytest.mark.parametrize(
    "data",
    [corrupt_pdf_bytes(), pdf_bytes(["CONFIDENTIAL"])[:300]],
    ids=["garbage-after-header", "truncated"],
)
def test_damaged_pdf_is_unreadable(data):
    result = check_document("broken.pdf", data)

    assert result.outcome is Outcome.UNREADABLE
    assert result.kind == "pdf"
    assert result.reason == "The file is damaged and cannot be read as a PDF."


def test_pdf_is_recognised_by_content_despite_name_and_leading_junk():
    data = b"\r\n\x00junk from a mail gateway\n" + pdf_bytes(["CONFIDENTIAL"])

    result = check_document("attachment.bin", data)

    assert result.kind == "pdf"
    assert result.labelled


def test_non_pdf_content_named_pdf_is_a_damaged_pdf():
    result = check_document("report.pdf", b"<html><body>Session expired</body></html>")

    assert result.outcome is Outcome.UNREADABLE
    assert result.reason == "The file is damaged and cannot be read as a PDF."


# --------------------------------------------------------------------------- DOCX check


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (docx_bytes(["Customer call records", "CONFIDENTIAL"]), "in the document body"),
        (docx_bytes(["Customer call records"], header="Billing\tCONFIDENTIAL"), "in a page header"),
        (docx_bytes(["Customer call records"], footer="CONFIDENTIAL - CPNI"), "in a page footer"),
        (docx_bytes(["Customer call records"], table_cells=[["Class", "CONFIDENTIAL"]]), "in the document body"),
        (docx_bytes(["Customer call records"], split_run_marking=True), "in the document body"),
        (docx_bytes(["Customer call records"], text_box="CONFIDENTIAL"), "in the document body"),
        (docx_bytes(["Customer call records"], vml_watermark=True), "in a watermark"),
    ],
    ids=["body", "header", "footer", "table", "split-runs", "text-box", "vml-watermark"],
)
def test_docx_with_marking_is_labelled(data, where):
    result = check_document("memo.docx", data)

    assert result.outcome is Outcome.LABELLED
    assert result.kind == "docx"
    assert result.reason == f"The word CONFIDENTIAL appears {where}."


@pytest.mark.parametrize(
    "paragraphs",
    [
        ["Customer call records"],
        ["This memo is confidential."],
        ["See the CONFIDENTIALITY clause."],
        ["NONCONFIDENTIAL summary"],
    ],
)
def test_docx_without_the_marking_is_not_labelled(paragraphs):
    result = check_document("memo.docx", docx_bytes(paragraphs, header="Billing", footer="Page 1"))

    assert result.outcome is Outcome.NOT_LABELLED
    assert result.reason == "No CONFIDENTIAL marking was found in the document's text."


def test_damaged_docx_is_unreadable():
    result = check_document("memo.docx", corrupt_docx_bytes())

    assert result.outcome is Outcome.UNREADABLE
    assert result.kind == "docx"
    assert result.reason == "The file is damaged and cannot be read as a Word document."


def test_docx_with_broken_xml_is_unreadable():
    data = zip_bytes(
        {
            "[Content_Types].xml": _content_types(labels._DOCX_MAIN_TYPE),
            "word/document.xml": b"<w:document><w:body><w:p>CONFIDENTIAL",
        }
    )

    result = check_document("memo.docx", data)

    assert result.outcome is Outcome.UNREADABLE
    assert "damaged" in result.reason


def test_docx_without_document_part_is_unreadable():
    result = check_document("memo.docx", zip_bytes({"readme.txt": b"CONFIDENTIAL"}))

    assert result.outcome is Outcome.UNREADABLE
    assert result.kind == "docx"
    assert "damaged" in result.reason


def test_macro_enabled_word_document_is_refused():
    data = zip_bytes(
        {
            "[Content_Types].xml": _content_types("application/vnd.ms-word.document.macroEnabled.main+xml"),
            "word/document.xml": _document_xml("CONFIDENTIAL"),
        }
    )

    result = check_document("memo.docm", data)

    assert result.outcome is Outcome.UNREADABLE
    assert "Macro-enabled" in result.reason


def test_docx_that_would_unpack_beyond_the_budget_is_not_read():
    data = docx_bytes(["CONFIDENTIAL"] + ["Customer call records " * 20] * 40)

    with pytest.raises(OverBudget, match="expands to more than 0.01 MB when unpacked"):
        check_document("memo.docx", data, Budget(expanded_bytes=10_486))
    with pytest.raises(OverBudget, match="expands to more than 0.01 MB when unpacked"):
        stamp_document("memo.docx", data, Budget(expanded_bytes=10_486))


def test_other_zip_files_are_unsupported():
    result = check_document("bundle.zip", zip_bytes({"notes.txt": b"CONFIDENTIAL"}))

    assert result.outcome is Outcome.UNREADABLE
    assert result.kind == ""
    assert result.reason.startswith("Unsupported file type")


def _content_types(main_type):
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>'
    ).encode()


def _document_xml(text):
    return (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    ).encode()


# --------------------------------------------------------------------------- plain text and other files


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.txt", b"Customer list\nCONFIDENTIAL\n"),
        ("notes", b"Customer list\nCONFIDENTIAL\n"),
        ("notes.md", b"\xef\xbb\xbfCustomer list\n**CONFIDENTIAL**\n"),
        ("notes.txt", "Customer list\r\nCONFIDENTIAL\r\n".encode("utf-16")),
        ("export.csv", b"name,caf\xe9\nCONFIDENTIAL,1\n"),  # Windows-1252, not UTF-8
    ],
    ids=["utf8", "no-extension", "utf8-bom", "utf16-bom", "cp1252-csv"],
)
def test_text_with_marking_reports_its_line(name, data):
    result = check_document(name, data)

    assert result.kind == "text"
    assert result.outcome is Outcome.LABELLED
    assert result.reason == "The word CONFIDENTIAL appears on line 2."


def test_text_without_marking_is_not_labelled():
    result = check_document("notes.txt", b"This is confidential, see CONFIDENTIALITY policy.\n")

    assert result.outcome is Outcome.NOT_LABELLED


@pytest.mark.parametrize(
    ("name", "data", "reason_start"),
    [
        ("memo.doc", ole_bytes(), "The file is a legacy Office document"),
        ("memo.docx", ole_bytes(encrypted_package=True), "The Office document is password-protected"),
        ("blob.bin", random_binary_bytes(), "Unsupported file type"),
        ("blob.txt", b"CONFIDENTIAL\x00\x01\x02", "Unsupported file type"),
        ("memo.rtf", b"{\\rtf1\\ansi {\\b CONFIDENTIAL}}", "Unsupported file type"),
        ("empty.pdf", b"", "The file is empty."),
    ],
    ids=["legacy-doc", "encrypted-office", "random-binary", "text-with-nul", "rtf", "empty"],
)
def test_unreadable_files(name, data, reason_start):
    result = check_document(name, data)

    assert result.outcome is Outcome.UNREADABLE
    assert not result.labelled
    assert result.reason.startswith(reason_start)


def test_result_fingerprints_the_bytes():
    data = pdf_bytes(["CONFIDENTIAL"])

    result = check_document("report.pdf", data)

    assert result.file_name == "report.pdf"
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_unreadable_result_is_fingerprinted_too():
    result = check_document("empty.txt", b"")

    assert (result.size, result.sha256) == (0, hashlib.sha256(b"").hexdigest())


def test_outcome_values_are_the_stored_strings():
    assert [outcome.value for outcome in Outcome] == ["labelled", "not_labelled", "unreadable"]


# --------------------------------------------------------------------------- stamping PDF


def test_stamped_pdf_carries_the_marking_on_every_page():
    original = pdf_bytes(["Customer call records"], pages=3)

    stamped = stamp_document("cdr.pdf", original)

    assert stamped.file_name == "cdr-CONFIDENTIAL.pdf"
    assert stamped.content_type == "application/pdf"
    texts = pdf_page_texts(stamped.content)
    assert len(texts) == 3
    for text in texts:
        assert text.count("CONFIDENTIAL") == 2  # top and bottom
        assert "Customer call records" in text
    assert check_document(stamped.file_name, stamped.content).labelled


def test_pdf_stamp_is_at_top_and_bottom_centre():
    stamped = stamp_document("cdr.pdf", pdf_bytes(["Customer call records"]))

    (top, bottom) = sorted(marking_boxes(stamped.content), key=lambda box: -box[1])
    for left, _, right, _ in (top, bottom):
        assert abs((left + right) / 2 - 306) < 3  # centred on a 612 pt wide page
    assert top[3] > 792 - 40
    assert bottom[1] < 40


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_pdf_stamp_respects_media_box_offset_and_rotation(rotation):
    media_box = (100, 50, 500, 700)
    original = reshaped_pdf_bytes(pdf_bytes(["Body"]), rotate=rotation, mediabox=media_box)

    stamped = stamp_document("turned.pdf", original)

    assert check_document("turned.pdf", stamped.content).labelled
    boxes = marking_boxes(stamped.content)
    assert len(boxes) == 2
    for left, bottom, right, top in boxes:
        assert media_box[0] <= left < right <= media_box[2]
        assert media_box[1] <= bottom < top <= media_box[3]
    # Upright as viewed: a viewer turns the page clockwise by /Rotate, so the
    # marking must be drawn turned back by the same angle (PDFium reports
    # character angles clockwise).
    assert marking_angle(stamped.content) == (360 - rotation) % 360


def test_image_only_pdf_can_be_stamped_and_then_checks_as_labelled():
    stamped = stamp_document("scan.pdf", image_only_pdf_bytes(pages=2))

    assert all("CONFIDENTIAL" in text for text in pdf_page_texts(stamped.content))
    assert check_document(stamped.file_name, stamped.content).labelled


def test_owner_password_pdf_is_stamped_into_an_unencrypted_copy():
    stamped = stamp_document("restricted.pdf", encrypted_pdf_bytes(["Body"], user_password=""))

    assert not PdfReader(io.BytesIO(stamped.content)).is_encrypted
    assert check_document(stamped.file_name, stamped.content).labelled


def test_pdf_with_leading_junk_can_be_stamped():
    data = b"junk\n" + pdf_bytes(["Body"], pages=2)

    stamped = stamp_document("mail-attachment", data)

    assert stamped.file_name == "mail-attachment-CONFIDENTIAL.pdf"
    assert all("CONFIDENTIAL" in text for text in pdf_page_texts(stamped.content))


# --------------------------------------------------------------------------- stamping DOCX


def _shown_headers(document):
    """Every header Word shows: primary, plus first-page and even-page ones when in use."""
    even = document.settings.odd_and_even_pages_header_footer
    for section in document.sections:
        yield section.header
        if section.different_first_page_header_footer:
            yield section.first_page_header
        if even:
            yield section.even_page_header


def _assert_every_shown_header_starts_with_a_bold_marking(content):
    document = docx.Document(io.BytesIO(content))
    for header in _shown_headers(document):
        first = header.paragraphs[0]
        assert first.text == "CONFIDENTIAL"
        assert all(run.bold for run in first.runs)
        assert sum(paragraph.text == "CONFIDENTIAL" for paragraph in header.paragraphs) == 1


def test_stamped_docx_has_marking_in_its_header():
    stamped = stamp_document("memo.docx", docx_bytes(["Customer call records"], header="Billing"))

    assert stamped.file_name == "memo-CONFIDENTIAL.docx"
    assert stamped.content_type == DOCX_TYPE
    _assert_every_shown_header_starts_with_a_bold_marking(stamped.content)
    headers = [paragraph.text for paragraph in docx.Document(io.BytesIO(stamped.content)).sections[0].header.paragraphs]
    assert headers == ["CONFIDENTIAL", "Billing"]
    result = check_document(stamped.file_name, stamped.content)
    assert result.labelled
    assert result.reason == "The word CONFIDENTIAL appears in a page header."


def test_docx_stamp_covers_linked_sections_first_and_even_page_headers_once_each():
    original = docx_bytes(
        ["Customer call records"], sections=3, first_page_header="Cover", even_page_header="Even"
    )

    stamped = stamp_document("memo.docx", original)

    _assert_every_shown_header_starts_with_a_bold_marking(stamped.content)
    assert check_document(stamped.file_name, stamped.content).labelled


def test_docx_without_any_header_gets_one():
    document = docx.Document(io.BytesIO(docx_bytes(["Customer call records"])))
    assert document.sections[0].header.is_linked_to_previous  # no header part yet

    stamped = stamp_document("memo.docx", docx_bytes(["Customer call records"]))

    stamped_document = docx.Document(io.BytesIO(stamped.content))
    assert not stamped_document.sections[0].header.is_linked_to_previous
    _assert_every_shown_header_starts_with_a_bold_marking(stamped.content)


def _saved(document):
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def test_docx_stamp_goes_before_a_header_that_starts_with_a_table():
    document = docx.Document(io.BytesIO(docx_bytes(["Customer call records"], header="Billing")))
    header = document.sections[0].header
    table = header.add_table(1, 2, docx.shared.Inches(6))
    header.paragraphs[0]._p.addprevious(table._tbl)

    stamped = stamp_document("memo.docx", _saved(document))

    blocks = list(docx.Document(io.BytesIO(stamped.content)).sections[0].header.iter_inner_content())
    assert isinstance(blocks[0], docx.text.paragraph.Paragraph)
    assert blocks[0].text == "CONFIDENTIAL"
    assert isinstance(blocks[1], docx.table.Table)


def test_docx_without_section_properties_is_stamped():
    document = docx.Document(io.BytesIO(docx_bytes(["Customer call records"])))
    body = document.element.body
    body.remove(body.sectPr)
    assert not docx.Document(io.BytesIO(_saved(document))).sections

    stamped = stamp_document("memo.docx", _saved(document))

    _assert_every_shown_header_starts_with_a_bold_marking(stamped.content)
    assert check_document(stamped.file_name, stamped.content).labelled


# --------------------------------------------------------------------------- stamping text, names, refusals


def test_stamped_text_starts_with_the_marking_and_keeps_line_endings():
    stamped = stamp_document("export.csv", b"name,phone\r\nAda,555-0100\r\n")

    assert stamped.file_name == "export-CONFIDENTIAL.csv"
    assert stamped.content_type == "text/plain; charset=utf-8"
    assert stamped.content == b"CONFIDENTIAL\r\n\r\nname,phone\r\nAda,555-0100\r\n"
    assert check_document(stamped.file_name, stamped.content).labelled


def test_stamped_utf16_text_comes_back_as_utf8():
    stamped = stamp_document("notes.txt", "Caf\u00e9 list\n".encode("utf-16"))

    assert stamped.content.decode("utf-8") == "CONFIDENTIAL\n\nCaf\u00e9 list\n"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("C:\\Users\\ada\\memo.docx", docx_bytes(["x"]), "memo-CONFIDENTIAL.docx"),
        ("uploads/report.final.pdf", pdf_bytes(["x"]), "report.final-CONFIDENTIAL.pdf"),
        ("scan", pdf_bytes(["x"]), "scan-CONFIDENTIAL.pdf"),
        ("notes", b"plain words", "notes-CONFIDENTIAL.txt"),
        ("notes.log", b"plain words", "notes-CONFIDENTIAL.txt"),
        (".pdf", pdf_bytes(["x"]), ".pdf-CONFIDENTIAL.pdf"),
    ],
)
def test_stamped_file_names(name, data, expected):
    assert stamp_document(name, data).file_name == expected


@pytest.mark.parametrize(
    ("name", "data", "message_start"),
    [
        ("broken.pdf", corrupt_pdf_bytes(), "The file is damaged and cannot be read as a PDF."),
        ("locked.pdf", encrypted_pdf_bytes(), "The PDF is encrypted"),
        ("broken.docx", corrupt_docx_bytes(), "The file is damaged and cannot be read as a Word document."),
        ("locked.docx", ole_bytes(encrypted_package=True), "The Office document is password-protected"),
        ("memo.doc", ole_bytes(), "The file is a legacy Office document"),
        ("blob.bin", random_binary_bytes(), "Unsupported file type"),
        ("empty.txt", b"", "The file is empty."),
    ],
)
def test_unstampable_files_raise_a_clear_stamp_error(name, data, message_start):
    with pytest.raises(StampError) as raised:
        stamp_document(name, data)

    assert str(raised.value).startswith(message_start)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.pdf", pdf_bytes(["Customer call records"], watermark="DRAFT", pages=2)),
        ("b.pdf", pdf_bytes(["CONFIDENTIALITY"], page_size=(200, 120))),  # small page: smaller stamp
        ("c.pdf", landscape_pdf_bytes(["Customer list"])),
        ("d.docx", docx_bytes(["Customer call records"], table_cells=[["a", "b"]], footer="Page")),
        ("e.md", b"# Minutes\n"),
        ("f.txt", b"   \n"),
    ],
)
def test_round_trip_stamped_copies_check_as_labelled(name, data):
    stamped = stamp_document(name, data)

    assert check_document(stamped.file_name, stamped.content).labelled
