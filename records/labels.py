"""The CONFIDENTIAL label check: does an electronic document carry the marking?

Company rule: every document that contains CPNI must carry the word
``CONFIDENTIAL``. This module reads the text of a PDF, a Word ``.docx`` or a
plain-text file and looks for that marking, and it can produce a stamped copy of
a document that carries it on every page.

The module is plain Python (no Django) so that it can be used from views,
background tasks and the ``check_label`` management command alike.

What counts as the marking
    The upper-case word ``CONFIDENTIAL`` (case-sensitive), standing as a word:
    not glued to other letters or digits ("NONCONFIDENTIAL", "CONFIDENTIALITY"
    and "CONFIDENTIAL2" do not count) and not negated as "NON-CONFIDENTIAL".
    Because text extraction of watermarks and letter-spaced headings returns
    "C O N F I D E N T I A L" or "CONFI\\nDENTIAL", up to
    ``MAX_GAP_BETWEEN_LETTERS`` whitespace characters are accepted between
    letters. Where PDFium glues separate lines of rotated text together
    ("CONFIDENTIALCustomer"), the page is re-read with a line break between
    characters that are far apart on the page.

How the type of a file is decided (content first, the name only as a hint)
    1. ``%PDF-`` within the first 1024 bytes (as PDF readers allow) -> PDF.
    2. An OLE compound file (``D0 CF 11 E0 A1 B1 1A E1``) -> unreadable: it is
       either a password-protected Office document or a legacy ``.doc``.
    3. A ZIP archive holding ``word/document.xml`` or declaring a Word main
       part in ``[Content_Types].xml`` -> DOCX. Macro-enabled documents and
       templates (.docm, .dotx, .dotm) are then refused as unreadable.
    4. A name ending ``.pdf`` or ``.docx`` whose content is not one -> that
       type, reported as damaged (an HTML error page saved as ``.pdf`` is a
       damaged PDF to the user, not a text file).
    5. Plain text: a UTF-8 or UTF-16 byte-order mark; or no NUL byte and valid
       UTF-8; or, for names ending ``.txt``, ``.text``, ``.csv`` or ``.md``, no
       NUL byte (decoded as Windows-1252, the usual legacy encoding; the marking
       is ASCII so it is found either way). RTF is not plain text.
    6. Anything else is an unsupported type.
"""

from __future__ import annotations

import ctypes
import enum
import hashlib
import io
import math
import re
import threading
import zipfile
import zlib
from dataclasses import dataclass

import docx
import pypdfium2
import pypdfium2.raw as pdfium_c
from docx.enum.text import WD_ALIGN_PARAGRAPH
from lxml import etree
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from .budgets import ArchiveReader, Budget, OverBudget, too_many_pages

MARKING = "CONFIDENTIAL"

#: Whitespace characters tolerated between two letters of the marking.
MAX_GAP_BETWEEN_LETTERS = 3

KIND_PDF = "pdf"
KIND_DOCX = "docx"
KIND_TEXT = "text"
KIND_UNKNOWN = ""

CONTENT_TYPES = {
    KIND_PDF: "application/pdf",
    KIND_DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    KIND_TEXT: "text/plain; charset=utf-8",
}

TEXT_EXTENSIONS = (".txt", ".text", ".csv", ".md")


class Outcome(str, enum.Enum):
    LABELLED = "labelled"
    NOT_LABELLED = "not_labelled"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class LabelCheckResult:
    """The verdict on one document, with a one-sentence reason for the user."""

    file_name: str
    size: int
    sha256: str
    kind: str
    outcome: Outcome
    reason: str

    @property
    def labelled(self) -> bool:
        return self.outcome is Outcome.LABELLED


class StampError(ValueError):
    """The document cannot be stamped; the message is a sentence for the user."""


@dataclass(frozen=True)
class StampedDocument:
    file_name: str
    content: bytes
    content_type: str


# Reasons shown to users.
REASON_NOT_FOUND = "No CONFIDENTIAL marking was found in the document's text."
REASON_EMPTY = "The file is empty."
REASON_UNSUPPORTED = "Unsupported file type: upload a PDF, a Word .docx or a plain-text file."
REASON_CANNOT_STAMP = "This document cannot be stamped automatically: mark it CONFIDENTIAL in the program that made it."
REASON_PDF_ENCRYPTED = "The PDF is encrypted: remove the password and upload it again."
REASON_PDF_DAMAGED = "The file is damaged and cannot be read as a PDF."
REASON_PDF_NO_PAGES = "The PDF has no pages."
REASON_PDF_NO_TEXT = (
    "The PDF has no text layer (an image-only scan?), so its marking cannot be checked."
)
REASON_DOCX_DAMAGED = "The file is damaged and cannot be read as a Word document."
REASON_DOCX_NOT_PLAIN = (
    "Macro-enabled Word documents and Word templates are not accepted: "
    "save it as a .docx document and upload it again."
)
REASON_OFFICE_ENCRYPTED = (
    "The Office document is password-protected: remove the password and upload it again."
)
REASON_LEGACY_OFFICE = (
    "The file is a legacy Office document (such as a Word .doc): "
    "save it as .docx or PDF and upload it again."
)


class _Unreadable(Exception):
    """Internal signal: the document cannot be read; args[0] is the user-facing reason."""


# --------------------------------------------------------------------------- marking


def _marking_pattern() -> re.Pattern[str]:
    gap = r"\s{0,%d}" % MAX_GAP_BETWEEN_LETTERS
    letters = gap.join(re.escape(letter) for letter in MARKING)
    # "[^\W_]" is a letter or digit: the marking must not be glued to either,
    # but "_CONFIDENTIAL_" (Markdown emphasis) still counts.
    return re.compile(r"(?<![^\W_])" + letters + r"(?![^\W_])")


_MARKING_RE = _marking_pattern()
_NEGATION_RE = re.compile(r"(?<![^\W_])non\s{0,2}[-\u2010\u2011\u2012\u2013]\s{0,2}$", re.IGNORECASE)


def find_marking(text: str) -> int | None:
    """Return the index in ``text`` where the CONFIDENTIAL marking starts, or None.

    Guarantees the rules of the module docstring: upper case, a whole word,
    at most ``MAX_GAP_BETWEEN_LETTERS`` whitespace characters between letters,
    and not preceded by "NON-".
    """
    for match in _MARKING_RE.finditer(text):
        before = text[max(0, match.start() - 8) : match.start()]
        if not _NEGATION_RE.search(before):
            return match.start()
    return None


def contains_marking(text: str) -> bool:
    """True when ``text`` carries the CONFIDENTIAL marking (see ``find_marking``)."""
    return find_marking(text) is not None


# --------------------------------------------------------------------------- type detection

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_PDF_HEADER = b"%PDF-"
_PDF_HEADER_WINDOW = 1024

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError)


def _extension(file_name: str) -> str:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return "." + ext.lower() if dot and stem else ""


def _looks_like_pdf(data: bytes) -> bool:
    return data.find(_PDF_HEADER, 0, _PDF_HEADER_WINDOW + len(_PDF_HEADER)) >= 0


def _looks_like_docx_zip(data: bytes, budget: Budget) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            return "word/document.xml" in names or _declared_main_part(ArchiveReader(archive, budget))[0] is not None
    except (_Unreadable, etree.XMLSyntaxError, *_ZIP_ERRORS):
        return False


def detect_kind(file_name: str, data: bytes, budget: Budget | None = None) -> str:
    """Return "pdf", "docx", "text" or "" for ``data``, by the rules of the module docstring.

    An OLE compound file gives "" unless it is a password-protected Office
    document named ``.docx``, which gives "docx". Raises OverBudget for a ZIP
    whose content types alone are over ``budget``.
    """
    budget = budget or Budget()
    extension = _extension(file_name)
    if _looks_like_pdf(data):
        return KIND_PDF
    if data.startswith(_OLE_MAGIC):
        return KIND_DOCX if extension == ".docx" and _is_encrypted_office(data) else KIND_UNKNOWN
    if data.startswith(_ZIP_MAGIC) and _looks_like_docx_zip(data, budget):
        return KIND_DOCX
    if extension == ".pdf":
        return KIND_PDF
    if extension == ".docx":
        return KIND_DOCX
    if _decode_text(data, extension) is not None:
        return KIND_TEXT
    return KIND_UNKNOWN


def _is_encrypted_office(data: bytes) -> bool:
    # Encrypted OOXML files are OLE containers holding an "EncryptedPackage" stream;
    # directory entry names are stored as UTF-16LE.
    return "EncryptedPackage".encode("utf-16-le") in data


# --------------------------------------------------------------------------- check


def check_document(file_name: str, data: bytes, budget: Budget | None = None) -> LabelCheckResult:
    """Check ``data`` (the bytes of ``file_name``) for the CONFIDENTIAL marking.

    Damaged, encrypted, image-only, empty and unsupported files come back as
    ``Outcome.UNREADABLE`` with a reason; a document is ``NOT_LABELLED`` only
    when its text was read and the marking is not in it. A document over
    ``budget`` (expanded bytes, elements, pages) raises OverBudget: it was not
    read, so there is no outcome to give. Time and memory are the caller's to
    limit (``records.confined``).
    """
    budget = budget or Budget()
    kind = detect_kind(file_name, data, budget) if data else KIND_UNKNOWN

    def result(outcome: Outcome, reason: str) -> LabelCheckResult:
        return LabelCheckResult(
            file_name=file_name,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            kind=kind,
            outcome=outcome,
            reason=reason,
        )

    if not data:
        return result(Outcome.UNREADABLE, REASON_EMPTY)
    checkers = {KIND_PDF: _check_pdf, KIND_DOCX: _check_docx, KIND_TEXT: _check_text}
    if kind not in checkers:
        return result(Outcome.UNREADABLE, _unsupported_reason(data))
    try:
        outcome, reason = checkers[kind](file_name, data, budget)
    except _Unreadable as unreadable:
        return result(Outcome.UNREADABLE, unreadable.args[0])
    return result(outcome, reason)


def _found(location: str) -> tuple[Outcome, str]:
    return Outcome.LABELLED, f"The word {MARKING} appears {location}."


_NOT_FOUND = (Outcome.NOT_LABELLED, REASON_NOT_FOUND)


def _unsupported_reason(data: bytes) -> str:
    if data.startswith(_OLE_MAGIC):
        return REASON_OFFICE_ENCRYPTED if _is_encrypted_office(data) else REASON_LEGACY_OFFICE
    return REASON_UNSUPPORTED


# --------------------------------------------------------------------------- PDF

# PDFium is not thread-safe, and web servers and task workers may run checks in threads.
_PDFIUM_LOCK = threading.Lock()


def _open_pdfium(data: bytes) -> pypdfium2.PdfDocument:
    """Open ``data`` with PDFium, or raise _Unreadable (encrypted / damaged)."""
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        if getattr(error, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise _Unreadable(REASON_PDF_ENCRYPTED) from error
        raise _Unreadable(REASON_PDF_DAMAGED) from error


def _check_pdf(file_name: str, data: bytes, budget: Budget) -> tuple[Outcome, str]:
    with _PDFIUM_LOCK:
        document = _open_pdfium(data)
        try:
            _refuse_many_pages(document, budget)
            return _pdf_verdict(document)
        except pypdfium2.PdfiumError as error:
            raise _Unreadable(REASON_PDF_DAMAGED) from error
        finally:
            document.close()


def _refuse_many_pages(document: pypdfium2.PdfDocument, budget: Budget) -> None:
    # PDFium takes the page count from the page tree's /Count: a tree that reuses its nodes
    # declares a million pages in a few hundred bytes, and each page is read by walking it.
    if len(document) > budget.pages:
        raise too_many_pages(budget)


def _pdf_verdict(document: pypdfium2.PdfDocument) -> tuple[Outcome, str]:
    """Labelled at the first page with the marking; unreadable when no page has text."""
    page_count = len(document)
    if page_count == 0:
        raise _Unreadable(REASON_PDF_NO_PAGES)
    pages_without_text = 0
    for index in range(page_count):
        text = _page_text(document, index)
        if contains_marking(text):
            return _found(f"on page {index + 1}")
        pages_without_text += not text.strip()
    if pages_without_text == page_count:
        raise _Unreadable(REASON_PDF_NO_TEXT)
    if pages_without_text:
        return Outcome.NOT_LABELLED, (
            f"{REASON_NOT_FOUND} {pages_without_text} of {page_count} pages have no text layer "
            "(scanned?) and could not be checked."
        )
    return _NOT_FOUND


def _page_text(document: pypdfium2.PdfDocument, index: int) -> str:
    """The page's text; re-read by geometry when the marking's letters look glued."""
    page = document[index]
    try:
        text_page = page.get_textpage()
        try:
            text = text_page.get_text_bounded()
            if not contains_marking(text) and _LOOSE_MARKING_RE.search(text):
                return _text_split_by_geometry(text_page)
            return text
        finally:
            text_page.close()
    finally:
        page.close()


# The marking's letters regardless of what surrounds them.
_LOOSE_MARKING_RE = re.compile((r"\s{0,%d}" % MAX_GAP_BETWEEN_LETTERS).join(MARKING))

# Two characters whose origins are further apart than this many font sizes are
# not neighbours in a word (letter-spaced watermarks stay well below it).
_FAR_APART_IN_FONT_SIZES = 2.5


def _text_split_by_geometry(text_page: pypdfium2.PdfTextPage) -> str:
    """The page's characters in PDFium's order, with a line break between far-apart ones.

    PDFium sometimes joins separate lines of vertical or rotated text without
    a separator ("CONFIDENTIALCONFIDENTIAL" for the top and bottom marking of
    a page turned by /Rotate 90), which would hide a marking from the word rule.
    """
    chars: list[str] = []
    previous: tuple[float, float] | None = None
    x, y = ctypes.c_double(), ctypes.c_double()
    for index in range(text_page.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(text_page.raw, index))
        if char.isspace() or pdfium_c.FPDFText_IsGenerated(text_page.raw, index):
            chars.append(char)
            continue
        pdfium_c.FPDFText_GetCharOrigin(text_page.raw, index, x, y)
        reach = _FAR_APART_IN_FONT_SIZES * max(pdfium_c.FPDFText_GetFontSize(text_page.raw, index), 1.0)
        if previous and math.dist(previous, (x.value, y.value)) > reach and not chars[-1].isspace():
            chars.append("\n")
        chars.append(char)
        previous = (x.value, y.value)
    return "".join(chars)


# --------------------------------------------------------------------------- DOCX

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_VML = "urn:schemas-microsoft-com:vml"
_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_DOCX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_WORD_MAIN_TYPES = (
    _DOCX_MAIN_TYPE,
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)

# Secondary stories searched after the body, with how a match there is described;
# group 1 is the part's number, so that header2.xml comes before header10.xml.
_DOCX_STORIES = (
    (re.compile(r"header(\d*)\.xml"), "in a page header"),
    (re.compile(r"footer(\d*)\.xml"), "in a page footer"),
    (re.compile(r"footnotes()\.xml"), "in a footnote"),
    (re.compile(r"endnotes()\.xml"), "in an endnote"),
)


def _read_xml(reader: ArchiveReader, name: str) -> etree._Element:
    # A parser per call: lxml parsers must not be shared between threads. The reader counts the
    # member's bytes and elements against the document's budget before lxml builds anything.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(reader.read(name), parser=parser)


def _declared_main_part(reader: ArchiveReader) -> tuple[str | None, str | None]:
    """(part name, content type) of the Word main part declared in [Content_Types].xml."""
    if "[Content_Types].xml" not in reader.archive.namelist():
        return None, None
    types = _read_xml(reader, "[Content_Types].xml")
    for override in types.iter(f"{{{_CONTENT_TYPES_NS}}}Override"):
        content_type = override.get("ContentType", "")
        if content_type in _WORD_MAIN_TYPES:
            return override.get("PartName", "").lstrip("/"), content_type
    return None, None


def _docx_stories(reader: ArchiveReader) -> list[tuple[str, str]]:
    """(part name, description) of the parts to search, body first. Raises _Unreadable."""
    archive = reader.archive
    main_part, content_type = _declared_main_part(reader)
    if main_part is None or main_part not in archive.namelist():
        raise _Unreadable(REASON_DOCX_DAMAGED)
    if content_type != _DOCX_MAIN_TYPE:
        raise _Unreadable(REASON_DOCX_NOT_PLAIN)
    folder = main_part.rpartition("/")[0] + "/" if "/" in main_part else ""
    referenced = _referenced_parts(reader, main_part, folder)
    stories = [(main_part, "in the document body")]
    for pattern, description in _DOCX_STORIES:
        matches = []
        for name in archive.namelist():
            if name in referenced and name.startswith(folder) and (match := pattern.fullmatch(name[len(folder) :])):
                matches.append((int(match.group(1) or 0), name))
        stories += [(name, description) for _, name in sorted(matches)]
    return stories


def _referenced_parts(reader: ArchiveReader, main_part: str, folder: str) -> set[str]:
    """The parts the main part refers to (its relationships): a header no section uses is never
    shown by Word, so its text is no marking."""
    rels = f"{folder}_rels/{main_part[len(folder):]}.rels"
    if rels not in reader.archive.namelist():
        return set()
    return {
        folder + relationship.get("Target", "").lstrip("/").removeprefix(folder)
        for relationship in _read_xml(reader, rels)
        if relationship.get("TargetMode") != "External"
    }


def _paragraph_texts(root: etree._Element) -> list[str]:
    """The text of every w:p, its runs joined, each nested paragraph on its own.

    Joining runs undoes split formatting ("CONFI" + "DENTIAL"); keeping nested
    paragraphs (text boxes inside a paragraph) separate stops their words being
    glued to the outer paragraph's words.
    """
    texts: list[str] = []
    open_paragraphs: list[list[str]] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag
        if tag == f"{{{_W}}}p":
            if event == "start":
                open_paragraphs.append([])
            else:
                texts.append("".join(open_paragraphs.pop()))
        elif event == "start" and open_paragraphs:
            if tag == f"{{{_W}}}t":
                open_paragraphs[-1].append(element.text or "")
            elif tag in (f"{{{_W}}}tab", f"{{{_W}}}br", f"{{{_W}}}cr", f"{{{_W}}}ptab"):
                open_paragraphs[-1].append(" ")
    return texts


def _watermark_texts(root: etree._Element) -> list[str]:
    return [path.get("string", "") for path in root.iter(f"{{{_VML}}}textpath")]


def _check_docx(file_name: str, data: bytes, budget: Budget) -> tuple[Outcome, str]:
    if data.startswith(_OLE_MAGIC):
        raise _Unreadable(_unsupported_reason(data))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            reader = ArchiveReader(archive, budget)
            for name, description in _docx_stories(reader):
                root = _read_xml(reader, name)
                if any(contains_marking(text) for text in _paragraph_texts(root)):
                    return _found(description)
                if any(contains_marking(text) for text in _watermark_texts(root)):
                    return _found("in a watermark")
    except (etree.XMLSyntaxError, *_ZIP_ERRORS) as error:
        raise _Unreadable(REASON_DOCX_DAMAGED) from error
    return _NOT_FOUND


# --------------------------------------------------------------------------- text

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _decode_text(data: bytes, extension: str) -> str | None:
    """The text of ``data`` by the plain-text rule of the module docstring, or None."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data or data.lstrip().startswith(b"{\\rtf"):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if extension in TEXT_EXTENSIONS:
            return data.decode("cp1252", errors="replace")
        return None


def _check_text(file_name: str, data: bytes, budget: Budget) -> tuple[Outcome, str]:
    text = _decode_text(data, _extension(file_name))
    if text is None:
        raise _Unreadable(REASON_UNSUPPORTED)
    position = find_marking(text)
    if position is None:
        return _NOT_FOUND
    line = text.count("\n", 0, position) + 1
    return _found(f"on line {line}")


# --------------------------------------------------------------------------- stamping


def stamp_document(file_name: str, data: bytes, budget: Budget | None = None) -> StampedDocument:
    """Return a copy of the document that carries CONFIDENTIAL on every page.

    PDF: at the top and bottom of every page, upright as viewed. DOCX: a bold
    first paragraph in every header Word shows (primary, and first-page /
    even-page headers when the document uses them). Text: a first line.
    Guarantees ``check_document(result.file_name, result.content).labelled``
    for every input it accepts; raises StampError (with a sentence for the
    user) for empty, damaged, encrypted and unsupported files. An image-only
    PDF can be stamped: the stamp gives it a text layer. A document over
    ``budget`` raises OverBudget, as ``check_document`` does.
    """
    budget = budget or Budget()
    if not data:
        raise StampError(REASON_EMPTY)
    kind = detect_kind(file_name, data, budget)
    stampers = {KIND_PDF: _stamp_pdf, KIND_DOCX: _stamp_docx, KIND_TEXT: _stamp_text}
    if kind not in stampers:
        raise StampError(_unsupported_reason(data))
    try:
        content = stampers[kind](file_name, data, budget)
    except _Unreadable as unreadable:
        raise StampError(unreadable.args[0]) from unreadable
    except OverBudget:
        raise
    except Exception as error:  # the PDF and Word libraries raise many types for odd files
        raise StampError(REASON_CANNOT_STAMP) from error
    stamped = StampedDocument(
        file_name=_stamped_file_name(file_name, kind),
        content=content,
        content_type=CONTENT_TYPES[kind],
    )
    if not check_document(stamped.file_name, stamped.content, budget).labelled:
        raise StampError(REASON_CANNOT_STAMP)
    return stamped


def _stamped_file_name(file_name: str, kind: str) -> str:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    extension = _extension(base)
    stem = base[: -len(extension)] if extension else base
    if kind == KIND_PDF or kind == KIND_DOCX:
        extension = "." + kind
    elif extension not in TEXT_EXTENSIONS:
        extension = ".txt"
    return f"{stem or 'document'}-{MARKING}{extension}"


# ---- PDF stamping

_STAMP_FONT = "Helvetica-Bold"
_STAMP_FONT_SIZE = 14
_STAMP_MARGIN = 18
_STAMP_COLOUR = (0.8, 0.0, 0.0)


# pypdf reports malformed input with its own errors and with plain Python ones.
_PYPDF_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError)


def _stamp_pdf(file_name: str, data: bytes, budget: Budget) -> bytes:
    try:
        writer = PdfWriter(clone_from=_pypdf_reader(data, budget))
        if not writer.pages:
            raise _Unreadable(REASON_PDF_NO_PAGES)
        geometries = [_viewed_geometry(page) for page in writer.pages]
        overlay = PdfReader(io.BytesIO(_stamp_overlay(geometries)))
        for page, stamp in zip(writer.pages, overlay.pages):
            left, bottom = float(page.cropbox.left), float(page.cropbox.bottom)
            page.merge_transformed_page(stamp, Transformation().translate(left, bottom))
        output = io.BytesIO()
        writer.write(output)
    except _PYPDF_ERRORS as error:
        raise _Unreadable(REASON_PDF_DAMAGED) from error
    return output.getvalue()


def _pypdf_reader(data: bytes, budget: Budget) -> PdfReader:
    """A pypdf reader for a PDF that PDFium can open, decrypted if needed.

    Raises _Unreadable for what PDFium cannot open, so stamping accepts exactly
    what the check reads, and OverBudget for more pages than the budget.
    """
    with _PDFIUM_LOCK:
        document = _open_pdfium(data)
        try:
            _refuse_many_pages(document, budget)
        finally:
            document.close()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if not reader.is_encrypted:
            len(reader.pages)  # parses the page tree, where damage usually shows
            return reader
    except _PYPDF_ERRORS:
        pass
    # Owner-password-only or slightly broken files: PDFium rewrites them plainly
    # (pypdf itself would need the `cryptography` package for AES).
    return PdfReader(io.BytesIO(_pdfium_plain_copy(data)), strict=False)


def _pdfium_plain_copy(data: bytes) -> bytes:
    with _PDFIUM_LOCK:
        document = _open_pdfium(data)
        try:
            output = io.BytesIO()
            document.save(output, flags=pdfium_c.FPDF_REMOVE_SECURITY)
            return output.getvalue()
        except pypdfium2.PdfiumError as error:
            raise _Unreadable(REASON_PDF_DAMAGED) from error
        finally:
            document.close()


def _viewed_geometry(page: PageObject) -> tuple[float, float, int]:
    """(width, height, rotation) of the page's crop box in unrotated page space."""
    rotation = round((page.rotation or 0) / 90) * 90 % 360
    return float(page.cropbox.width), float(page.cropbox.height), rotation


def _stamp_overlay(geometries: list[tuple[float, float, int]]) -> bytes:
    """A PDF with one page per geometry, each carrying the marking at its top and bottom."""
    output = io.BytesIO()
    sheet = canvas.Canvas(output, pageCompression=1)
    for width, height, rotation in geometries:
        sheet.setPageSize((width, height))
        # A viewer turns the page clockwise by /Rotate; turning the drawing
        # anticlockwise by the same angle makes the marking upright as viewed.
        origin = {0: (0, 0), 90: (width, 0), 180: (width, height), 270: (0, height)}[rotation]
        sheet.translate(*origin)
        sheet.rotate(rotation)
        view_width, view_height = (height, width) if rotation in (90, 270) else (width, height)
        natural_width = stringWidth(MARKING, _STAMP_FONT, 1)
        size = min(_STAMP_FONT_SIZE, 0.9 * view_width / natural_width)
        margin = min(_STAMP_MARGIN, view_height / 4)
        sheet.setFont(_STAMP_FONT, size)
        sheet.setFillColorRGB(*_STAMP_COLOUR)
        sheet.drawCentredString(view_width / 2, view_height - margin - size * 0.75, MARKING)
        sheet.drawCentredString(view_width / 2, margin, MARKING)
        sheet.showPage()
    sheet.save()
    return output.getvalue()


# ---- DOCX stamping


def _stamp_docx(file_name: str, data: bytes, budget: Budget) -> bytes:
    _check_docx(file_name, data, budget)  # same readability rules as the check; raises _Unreadable
    _refuse_large_archive(data, budget)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many unrelated types for a broken package
        raise _Unreadable(REASON_DOCX_DAMAGED) from error
    if not document.sections:
        document.element.body.get_or_add_sectPr()
    even_pages = document.settings.odd_and_even_pages_header_footer
    stamped_parts: set[str] = set()
    for section in document.sections:
        headers = [section.header]
        if section.different_first_page_header_footer:
            headers.append(section.first_page_header)
        if even_pages:
            headers.append(section.even_page_header)
        for header in headers:
            # A header linked to the previous section resolves to that section's part.
            part_name = str(header.part.partname)
            if part_name not in stamped_parts:
                stamped_parts.add(part_name)
                _prepend_marking(header)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _refuse_large_archive(data: bytes, budget: Budget) -> None:
    # python-docx loads every part (images included) into memory and parses every XML part.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        ArchiveReader(archive, budget).scan()


def _prepend_marking(header) -> None:
    """Make a bold, centred CONFIDENTIAL paragraph the first block of ``header``."""
    paragraph = header.add_paragraph()
    first_block = next(header.iter_inner_content())
    if first_block._element is not paragraph._element:
        first_block._element.addprevious(paragraph._element)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(MARKING).bold = True


# ---- text stamping


def _stamp_text(file_name: str, data: bytes, budget: Budget) -> bytes:
    text = _decode_text(data, _extension(file_name))
    if text is None:
        raise _Unreadable(REASON_UNSUPPORTED)
    newline = "\r\n" if "\r\n" in text else "\n"
    stamped = (MARKING + newline * 2 + text).encode("utf-8")
    # A text with NUL characters is only read as text behind a byte-order mark.
    return b"\xef\xbb\xbf" + stamped if "\x00" in text else stamped
