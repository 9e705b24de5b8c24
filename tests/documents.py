"""Builders of real test documents (PDF, DOCX, OLE, damaged files), all made in memory.

Every builder returns the file's bytes. PDFs are drawn with reportlab (and
post-processed with pypdf where a feature needs it); DOCX files are written
with python-docx, with raw XML only for what python-docx cannot make
(VML watermarks and text boxes).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import docx
from docx.oxml import parse_xml
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

# --------------------------------------------------------------------------- PDF


def pdf_bytes(
    body_lines=(),
    *,
    header=None,
    footer=None,
    watermark=None,
    table_cells=None,
    pages=1,
    page_lines=None,
    letter_spaced=None,
    page_size=letter,
):
    """A text PDF of ``pages`` pages, each with ``body_lines`` and the optional parts.

    header / footer: a line at the top / bottom of every page.
    watermark: large grey text drawn diagonally (45 degrees) across every page.
    table_cells: rows of cell strings, drawn as a ruled grid on every page.
    page_lines: {page number: [extra lines]} for text on one page only.
    letter_spaced: a line drawn with wide character spacing, as headings and
        watermarks often are.
    """
    width, height = page_size
    output = io.BytesIO()
    sheet = canvas.Canvas(output, pagesize=page_size)
    for number in range(1, pages + 1):
        if header:
            sheet.setFont("Helvetica", 9)
            sheet.drawCentredString(width / 2, height - 30, header)
        if footer:
            sheet.setFont("Helvetica", 9)
            sheet.drawCentredString(width / 2, 20, footer)
        lines = list(body_lines) + list((page_lines or {}).get(number, []))
        _draw_lines(sheet, lines, top=height - 80)
        if table_cells:
            _draw_table(sheet, table_cells, top=height - 120 - 16 * len(lines))
        if letter_spaced:
            text = sheet.beginText(72, 200)
            text.setFont("Helvetica-Bold", 24)
            text.setCharSpace(12)
            text.textLine(letter_spaced)
            sheet.drawText(text)
        if watermark:
            _draw_watermark(sheet, watermark, width, height)
        sheet.showPage()
    sheet.save()
    return output.getvalue()


def _draw_lines(sheet, lines, *, top):
    sheet.setFont("Helvetica", 11)
    for index, line in enumerate(lines):
        sheet.drawString(72, top - 16 * index, line)


def _draw_table(sheet, rows, *, top, column_width=150, row_height=20):
    sheet.setFont("Helvetica", 10)
    for row_index, row in enumerate(rows):
        y = top - row_height * (row_index + 1)
        for column_index, cell in enumerate(row):
            x = 72 + column_width * column_index
            sheet.rect(x, y, column_width, row_height)
            sheet.drawString(x + 4, y + 6, cell)


def _draw_watermark(sheet, text, width, height):
    sheet.saveState()
    sheet.setFillGray(0.85)
    sheet.setFont("Helvetica-Bold", 72)
    sheet.translate(width / 2, height / 2)
    sheet.rotate(45)
    sheet.drawCentredString(0, 0, text)
    sheet.restoreState()


def image_only_pdf_bytes(pages=1):
    """A scanned-looking PDF: each page only paints an image, with no text operators."""
    output = io.BytesIO()
    sheet = canvas.Canvas(output, pagesize=letter)
    for _ in range(pages):
        sheet.drawImage(ImageReader(io.BytesIO(_grey_png(64, 80))), 36, 36, 540, 720)
        sheet.showPage()
    sheet.save()
    return output.getvalue()


def _grey_png(width, height):
    """An 8-bit greyscale PNG with a diagonal pattern, written by hand."""
    rows = b"".join(
        b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(width)) for y in range(height)
    )

    def chunk(kind, payload):
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def encrypted_pdf_bytes(body_lines=("CONFIDENTIAL",), *, user_password="secret"):
    """A PDF encrypted with RC4-128 (pypdf needs no `cryptography` for it).

    With user_password="" the file opens without a password (owner password only).
    """
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(body_lines))))
    writer.encrypt(user_password, "owner-secret", algorithm="RC4-128")
    return _written(writer)


def joined_pdf_bytes(*documents):
    """One PDF with the pages of each of ``documents`` in turn."""
    writer = PdfWriter()
    for data in documents:
        writer.append(PdfReader(io.BytesIO(data)))
    return _written(writer)


def reshaped_pdf_bytes(data, *, rotate=0, mediabox=None):
    """``data`` with every page given /Rotate ``rotate`` and, optionally, a new media box."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        if rotate:
            page.rotate(rotate)
        if mediabox:
            page.mediabox = RectangleObject(mediabox)
    return _written(writer)


def landscape_pdf_bytes(lines):
    """A landscape page made the way many print drivers do: a portrait page with
    /Rotate 90 whose content is drawn turned, so that it reads upright on screen."""
    output = io.BytesIO()
    sheet = canvas.Canvas(output, pagesize=letter)
    sheet.setPageRotation(90)
    sheet.translate(letter[0], 0)
    sheet.rotate(90)
    _draw_lines(sheet, lines, top=letter[0] - 72)
    sheet.showPage()
    sheet.save()
    return output.getvalue()


def corrupt_pdf_bytes():
    """Starts like a PDF, then is garbage: no object, no cross-reference table."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"


def _written(writer):
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


# --------------------------------------------------------------------------- DOCX

_VML_NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def docx_bytes(
    paragraphs=(),
    *,
    header=None,
    footer=None,
    table_cells=None,
    split_run_marking=False,
    vml_watermark=False,
    text_box=None,
    sections=1,
    first_page_header=None,
    even_page_header=None,
):
    """A Word document with ``paragraphs`` and the optional parts.

    split_run_marking: a body paragraph whose CONFIDENTIAL is split across two
        differently formatted runs ("CONFI" bold + "DENTIAL" italic).
    vml_watermark: a Word "CONFIDENTIAL" watermark (VML text path) in the header.
    text_box: text placed in a floating text box inside a body paragraph.
    sections: number of sections (each after the first starts on a new page and
        keeps Word's default of linking its header to the previous one).
    first_page_header / even_page_header: turn on a different first page /
        different odd and even pages, with this text in that header.
    """
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if split_run_marking:
        paragraph = document.add_paragraph("Marking: ")
        paragraph.add_run("CONFI").bold = True
        paragraph.add_run("DENTIAL").italic = True
    if table_cells:
        table = document.add_table(rows=len(table_cells), cols=len(table_cells[0]))
        for row, cells in zip(table.rows, table_cells):
            for cell, text in zip(row.cells, cells):
                cell.text = text
    if text_box:
        document.add_paragraph("See box: ")._p.append(parse_xml(_text_box_run_xml(text_box)))
    for number in range(2, sections + 1):
        document.add_section()
        document.add_paragraph(f"Section {number} text.")
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    if vml_watermark:
        section.header.paragraphs[0]._p.append(parse_xml(_watermark_run_xml("CONFIDENTIAL")))
    if first_page_header:
        section.different_first_page_header_footer = True
        section.first_page_header.paragraphs[0].text = first_page_header
    if even_page_header:
        document.settings.odd_and_even_pages_header_footer = True
        section.even_page_header.paragraphs[0].text = even_page_header
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _watermark_run_xml(text):
    # The shape Word writes for Design > Watermark > CONFIDENTIAL 1.
    return (
        f"<w:r {_VML_NAMESPACES}><w:pict>"
        '<v:shape id="PowerPlusWaterMarkObject" type="#_x0000_t136" '
        'style="position:absolute;width:527.85pt;height:131.95pt;rotation:315" '
        'fillcolor="silver" stroked="f">'
        f'<v:textpath style="font-family:&quot;Calibri&quot;;font-size:1pt" string="{text}"/>'
        "</v:shape></w:pict></w:r>"
    )


def _text_box_run_xml(text):
    return (
        f"<w:r {_VML_NAMESPACES}><w:pict>"
        '<v:shape id="TextBox1" style="width:200pt;height:40pt" type="#_x0000_t202">'
        f"<v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
        "</v:textbox></v:shape></w:pict></w:r>"
    )


def corrupt_docx_bytes():
    """A real DOCX cut in half: the ZIP central directory is missing."""
    data = docx_bytes(["CONFIDENTIAL"])
    return data[: len(data) // 2]


def zip_bytes(members):
    """A ZIP archive of {name: bytes}, deflated."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return output.getvalue()


# --------------------------------------------------------------------------- other files

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole_bytes(*, encrypted_package=False):
    """The start of an OLE compound file, as a legacy .doc or a password-protected .docx.

    An encrypted Office document is an OLE file with an "EncryptedPackage" stream,
    whose directory entry name is stored in UTF-16LE.
    """
    directory_name = "EncryptedPackage" if encrypted_package else "WordDocument"
    return OLE_MAGIC + bytes(504) + directory_name.encode("utf-16-le") + bytes(1000)


def random_binary_bytes(size=4096, seed=7):
    """Reproducible noise (it contains NUL bytes and is not UTF-8)."""
    return random.Random(seed).randbytes(size)


__all__ = [
    "corrupt_docx_bytes",
    "corrupt_pdf_bytes",
    "docx_bytes",
    "empty_paragraphs_docx_bytes",
    "encrypted_pdf_bytes",
    "image_only_pdf_bytes",
    "joined_pdf_bytes",
    "landscape_pdf_bytes",
    "ole_bytes",
    "page_tree_pdf_bytes",
    "pdf_bytes",
    "random_binary_bytes",
    "reshaped_pdf_bytes",
    "rezipped",
    "with_understated_sizes",
    "zip_bomb_docx_bytes",
    "zip_bytes",
]


# --------------------------------------------------------------------------- hostile files


def rezipped(data, changes):
    """The ZIP ``data`` with members replaced or added: {name: bytes or callable(old bytes)}."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            change = changes.get(info.filename, content)
            target.writestr(info.filename, change(content) if callable(change) else change)
        for name, content in changes.items():
            if name not in source.namelist():
                target.writestr(name, content)
    return output.getvalue()


def zip_bomb_docx_bytes(expanded_bytes):
    """A small, CONFIDENTIAL-marked DOCX whose body relationships part really expands to
    ``expanded_bytes`` (blank space after its XML, sizes declared truthfully)."""
    return rezipped(
        docx_bytes(["CONFIDENTIAL"]),
        {"word/_rels/document.xml.rels": lambda rels: rels + b" " * expanded_bytes},
    )


def with_understated_sizes(data, member, declared=1000):
    """The ZIP ``data`` with ``member``'s uncompressed size declared as ``declared`` bytes in both
    its local header and the central directory (its real content unchanged)."""
    data = bytearray(data)
    name = member.encode()
    local = data.find(b"PK\x03\x04" + data[4:4])
    while local >= 0:
        name_length = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_length] == name:
            struct.pack_into("<I", data, local + 22, declared)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == name:
            struct.pack_into("<I", data, central + 24, declared)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def empty_paragraphs_docx_bytes(count):
    """A DOCX whose body is ``count`` empty paragraphs (6 bytes each, deflated to almost nothing)."""
    body = b"<w:p/>" * count
    return rezipped(docx_bytes(["CONFIDENTIAL"]), {
        "word/document.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + body + b"<w:p><w:r><w:t>CONFIDENTIAL</w:t></w:r></w:p></w:body></w:document>"
        ),
    })


def page_tree_pdf_bytes(levels, fan_out=10):
    """A PDF of one page reused through a page tree ``levels`` deep, each node listing the node
    below ``fan_out`` times: it declares ``fan_out ** levels`` pages in well under 2 kB."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: _pdf_stream(b"BT /F1 12 Tf 72 720 Td (Customer call records) Tj ET"),
    }
    leaf = 5 + levels - 1
    nodes = [2] + list(range(5, leaf))
    for depth, number in enumerate(nodes):
        child = nodes[depth + 1] if depth + 1 < len(nodes) else leaf
        kids = b" ".join(b"%d 0 R" % child for _ in range(fan_out))
        parent = b" /Parent %d 0 R" % nodes[depth - 1] if depth else b""
        count = fan_out ** (levels - depth)
        objects[number] = b"<< /Type /Pages /Kids [%s] /Count %d%s >>" % (kids, count, parent)
    objects[leaf] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                     b"/Resources << /Font << /F1 3 0 R >> >> >>" % nodes[-1])
    output = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(output)
        output += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(output)
    size = max(objects) + 1
    output += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        output += b"%010d 00000 n \n" % offsets[number]
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(output)


def _pdf_stream(content):
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
