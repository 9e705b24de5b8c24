"""Fuzzing the document uploads: the label check (/label-check/), the stamped copy
(/label-check/stamped-copy/) and the label_document field of the record form.

Generated files: random binary, real PDFs and DOCX files (tests/documents.py) intact, truncated
or overwritten in places, ZIP archives that are not Word documents or are Word documents with a
broken or hostile part (XXE, entity bombs), text in several encodings, empty files, and files
just over settings.LABEL_CHECK_MAX_BYTES (set to 64 KiB here to keep the run fast). File names:
unicode, control characters, HTML, path traversal (../../etc/passwd, ..\\..\\), absolute paths,
very long names, names that sanitize to nothing, sent as a browser, a careless client or an
RFC 2231 client would send them.

For every upload: never a server error; a check reports exactly one of labelled / not labelled /
cannot be read, with the SHA-256 and size of what was sent; nothing but the fingerprint, name
and size is kept: no upload is spooled to a temporary file and no file appears under VAR_DIR,
MEDIA_ROOT or a temp folder (fixture nothing_written_to_disk)."""

import hashlib
import html
import io
import zipfile
from functools import lru_cache

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils.http import parse_header_parameters
from hypothesis import event, given, note
from hypothesis import strategies as st

from records import labels
from records.models import AuditEvent, LabelCheck, LabelVerification, Medium, Record
from tests.documents import (
    corrupt_docx_bytes,
    corrupt_pdf_bytes,
    docx_bytes,
    encrypted_pdf_bytes,
    image_only_pdf_bytes,
    landscape_pdf_bytes,
    ole_bytes,
    pdf_bytes,
    reshaped_pdf_bytes,
    zip_bytes,
)
from tests.security.fuzzkit import (
    XSS_PAYLOADS,
    assert_no_injection,
    assert_no_server_error,
    differences,
    fuzz_settings,
    post_multipart,
    signed_in,
    table_counts,
)

LIMIT = 64 * 1024
OUTCOME_LABELS = {o.value: o.label for o in LabelCheck.Outcome}

# --------------------------------------------------------------------------- documents


@lru_cache(maxsize=1)
def seeds():
    labelled_pdf = pdf_bytes(["CONFIDENTIAL", "Toll detail records"])
    return {
        "pdf-labelled": labelled_pdf,
        "pdf-plain": pdf_bytes(["Toll detail records", "NON-CONFIDENTIAL"]),
        "pdf-header": pdf_bytes(["Body"], header="CONFIDENTIAL", pages=2),
        "pdf-image-only": image_only_pdf_bytes(),
        "pdf-encrypted": encrypted_pdf_bytes(),
        "pdf-owner-password": encrypted_pdf_bytes(user_password=""),
        "pdf-landscape": landscape_pdf_bytes(["CONFIDENTIAL"]),
        "pdf-zero-box": reshaped_pdf_bytes(labelled_pdf, mediabox=[0, 0, 0, 0]),
        "pdf-inverted-box": reshaped_pdf_bytes(labelled_pdf, mediabox=[600, 800, 0, 0]),
        "pdf-huge-box": reshaped_pdf_bytes(labelled_pdf, mediabox=[0, 0, 14400, 14400], rotate=270),
        "pdf-corrupt": corrupt_pdf_bytes(),
        "docx-labelled": docx_bytes(["CONFIDENTIAL"]),
        "docx-plain": docx_bytes(["Hello", "CONFIDENTIALITY"]),
        "docx-headers": docx_bytes(["Body"], header="CONFIDENTIAL", first_page_header="First", even_page_header="Even", sections=2),
        "docx-watermark": docx_bytes(["Body"], vml_watermark=True),
        "docx-corrupt": corrupt_docx_bytes(),
        "ole-doc": ole_bytes(),
        "ole-encrypted": ole_bytes(encrypted_package=True),
        "text-labelled": "CONFIDENTIAL\nCall detail records for <script>alert(1)</script>\n".encode(),
        "text-utf16": "CONFIDENTIAL — Straße".encode("utf-16"),
        "text-cp1252": "Caf\xe9 CONFIDENTIAL".encode("cp1252"),
        "rtf": b"{\\rtf1\\ansi CONFIDENTIAL}",
        "html": b"<html><body><script>alert(1)</script>CONFIDENTIAL</body></html>",
    }


SEED_NAMES = sorted(seeds())

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CT = 'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"'
XML_PARTS = [
    f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:document {_W}><w:body><w:p><w:r><w:t>&e;</w:t></w:r></w:p></w:body></w:document>',
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "CONFIDENTIAL"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><x>&d;</x>',
    f"<w:document {_W}><w:body><w:p><w:r><w:t>CONFIDENTIAL</w:t></w:r></w:p></w:body></w:document>",
    f"<w:document {_W}><w:body><w:p><w:r><w:t>CONFI",
    f'<Types {_CT}><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    f'<Types {_CT}><Override PartName="/word/missing.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    f'<Types {_CT}><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
    f'<Types {_CT}><Override PartName="" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    "<not xml", "", "\x00\x00", "<script>alert(1)</script>",
]
ZIP_NAMES = [
    "word/document.xml", "[Content_Types].xml", "word/header1.xml", "word/footer2.xml", "word/footnotes.xml",
    "word/_rels/document.xml.rels", "_rels/.rels", "word/settings.xml", "../../etc/passwd", "/etc/passwd",
    "word/../../x.xml", "a" * 300, "readme.txt", "ünïcödé.xml",
]


def _truncate(args):
    data, fraction = args
    return data[: int(len(data) * fraction)]


def _overwrite(args):
    data, patches = args
    data = bytearray(data)
    for position, patch in patches:
        start = int(position * len(data))
        data[start : start + len(patch)] = patch
    return bytes(data)


def _docx_members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(args):
    """A real DOCX with some parts replaced, removed or added."""
    seed, changes = args
    members = _docx_members(seeds()[seed])
    names = sorted(members)
    for index, replacement in changes:
        name = names[index % len(names)] if isinstance(index, int) else index
        if replacement is None:
            members.pop(name, None)
        else:
            members[name] = replacement
    return zip_bytes(members)


seed = st.sampled_from(SEED_NAMES)
docx_seed = st.sampled_from([name for name in SEED_NAMES if name.startswith("docx-") and name != "docx-corrupt"])
member_content = st.one_of(st.sampled_from(XML_PARTS).map(str.encode), st.binary(max_size=300))

DOCUMENTS = st.one_of(
    st.binary(min_size=1, max_size=4096),
    seed.map(lambda name: seeds()[name]),
    st.tuples(seed.map(lambda name: seeds()[name]), st.floats(0.0, 1.0)).map(_truncate),
    st.tuples(
        seed.map(lambda name: seeds()[name]),
        st.lists(st.tuples(st.floats(0.0, 0.999), st.binary(min_size=1, max_size=24)), min_size=1, max_size=6),
    ).map(_overwrite),
    st.dictionaries(st.sampled_from(ZIP_NAMES), member_content, max_size=5).map(zip_bytes),  # a zip, mostly not a docx
    st.tuples(
        docx_seed,
        st.lists(st.tuples(st.one_of(st.integers(0, 40), st.sampled_from(ZIP_NAMES)), st.one_of(st.none(), member_content)), min_size=1, max_size=3),
    ).map(_rezip),
    st.text(st.characters(codec="utf-8"), max_size=300).flatmap(
        lambda text: st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]).map(lambda codec: text.encode(codec))
    ),
    st.builds(lambda a, b: (a + "CONFIDENTIAL" + b).encode(), st.text(max_size=50), st.text(max_size=50)),
    st.just(b""),
    st.integers(1, 2048).map(lambda extra: b"CONFIDENTIAL " + b"x" * (LIMIT + extra - 13)),  # just over the limit
    st.just(b"CONFIDENTIAL " + b"y" * (LIMIT - 13)),  # exactly the limit: accepted
)

FILE_NAMES = st.one_of(
    st.sampled_from([
        "document.pdf", "document.docx", "notes.txt", "scan.PDF", "no-extension", ".pdf", ".docx", "a.tar.gz",
        "../../etc/passwd", "../../../../etc/shadow.pdf", "..\\..\\windows\\win.ini", "/etc/passwd", "C:\\boot.ini",
        "C:secret.docx", "\\\\server\\share\\x.pdf", ".", "..", "", " ", "...", "~", "./.", "a/..",
        "&lt;script&gt;alert(1)&lt;/script&gt;.pdf", "&#x2e;&#x2e;/&#x2e;&#x2e;/etc/passwd",
        "文件.docx", "résumé.pdf", "\u202etxt.exe.pdf", "file\x00.pdf", "tab\there.txt", "line\nbreak.pdf",
        "name\r\nContent-Type: text/html.pdf", 'quote".pdf', "semi;colon.pdf", "back\\slash.docx",
        "a" * 300 + ".pdf", "b." + "p" * 300, "😀" * 200 + ".docx", "CON.pdf", "nul.txt",
    ]),
    st.sampled_from(XSS_PAYLOADS).map(lambda payload: payload + ".pdf"),
    st.builds(lambda stem, ext: stem + ext, st.text(st.characters(codec="utf-8"), max_size=80),
              st.sampled_from(["", ".pdf", ".docx", ".txt", ".csv", ".md", ".doc", ".exe"])),
)
NAME_STYLES = st.sampled_from(["escaped", "escaped", "rfc2231", "raw"])
CONTENT_TYPES = st.sampled_from(["application/pdf", "application/octet-stream", "text/plain", "text/html", "", "x/<script>"])


def uploaded_name(sent):
    """The name Django gives an upload whose file name was sent as `sent` (None: the upload is
    ignored), for names without quotes, backslash escapes or line breaks."""
    name = html.unescape(sent).rsplit("/")[-1].rsplit("\\")[-1]
    name = "".join(c for c in name if c.isprintable())
    return None if name in {"", ".", ".."} else name


def plain_name(name):
    return not any(c in name for c in '"\\;\r\n%') and "&" not in name


@pytest.fixture
def upload_limits(settings, nothing_written_to_disk):
    settings.LABEL_CHECK_MAX_BYTES = LIMIT
    # As in the settings of the last commit (FILE_UPLOAD_MAX_MEMORY_SIZE = LABEL_CHECK_MAX_BYTES):
    # with Django's default upload handlers a larger upload would be spooled to a temporary file.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    return LIMIT


def note_upload(name, style, content):
    """Hypothesis cannot print these arguments in this environment; say what was sent."""
    note(f"file name {name!r} sent {style}; {len(content)} bytes: {content[:160]!r}")


def assert_not_spooled(response):
    for upload in response.wsgi_request.FILES.values():
        assert not isinstance(upload, TemporaryUploadedFile), f"{upload.name} was written to {upload.temporary_file_path()}"


def label_checked_events():
    return AuditEvent.objects.filter(action="label.checked").count()


# --------------------------------------------------------------------------- /label-check/


@pytest.fixture
def checker(employee):
    return signed_in(employee)


@pytest.mark.django_db
@fuzz_settings(200)
@given(
    content=DOCUMENTS, name=FILE_NAMES, style=NAME_STYLES, content_type=CONTENT_TYPES,
    copies=st.integers(0, 2), extra_field=st.booleans(),
)
def test_label_check_upload(content, name, style, content_type, copies, extra_field, checker, upload_limits):
    note_upload(name, style, content)
    note(f"{copies} copies, content type {content_type!r}, extra field {extra_field}")
    files = [("document", name, style, content, content_type)] * copies
    if extra_field:
        files.append(("unexpected", "x.pdf", "escaped", b"%PDF-1.7", "application/pdf"))
    before = table_counts()
    response = post_multipart(checker, "/label-check/", {"note": "<script>alert(1)</script>"}, files)
    assert_no_server_error(response, (name, content[:64]))
    assert_not_spooled(response)
    # 400: a multipart part whose headers exceed Django's limit (a very long RFC 2231 file name).
    assert response.status_code in (200, 400), response.status_code
    assert_no_injection(response, name)
    changed = differences(before, table_counts())
    if response.status_code == 400:
        event("bad multipart request")
        assert changed == {}, changed
        return
    if changed:
        check = LabelCheck.objects.latest("pk")
        # A document found unmarked gets its stamped copy offered at once (audited) if it can be stamped.
        stamped = AuditEvent.objects.latest("sequence").action == "label.stamped_copy"
        assert not stamped or check.outcome == "not_labelled"
        assert changed == {"records.LabelCheck": 1, "records.HistoricalLabelCheck": 1,
                           "records.AuditEvent": 2 if stamped else 1}, changed
        event(f"label check: {check.outcome}")
        assert check.outcome in OUTCOME_LABELS
        assert check.size == len(content) and check.sha256 == hashlib.sha256(content).hexdigest()
        assert 0 < len(content) <= LIMIT
        assert "/" not in check.file_name and "\\" not in check.file_name and check.file_name not in ("", ".", "..")
        assert len(check.file_name) <= 255
        shown = [label for label in OUTCOME_LABELS.values() if f": {label}</h2>".encode() in response.content]
        assert len(shown) == 1 and shown[0] == OUTCOME_LABELS[check.outcome], shown
        assert f"result-{check.outcome}".encode() in response.content
    else:
        event("upload refused")
        assert b'role="status"' not in response.content or b"result-" not in response.content
        if copies and style != "raw" and plain_name(name) and uploaded_name(name) and 0 < len(content) <= LIMIT:
            pytest.fail(f"a readable upload {name!r} of {len(content)} bytes was not checked")


# --------------------------------------------------------------------------- /label-check/stamped-copy/


@pytest.mark.django_db
@fuzz_settings(80)
@given(
    content=DOCUMENTS, name=FILE_NAMES, style=NAME_STYLES,
    field=st.sampled_from(["document", "label_document"]),
)
def test_stamped_copy_upload(content, name, style, field, checker, upload_limits):
    note_upload(name, style, content)
    before = table_counts()
    response = post_multipart(checker, "/label-check/stamped-copy/", {}, [(field, name, style, content, "application/octet-stream")])
    assert_no_server_error(response, (name, content[:64]))
    assert_not_spooled(response)
    changed = differences(before, table_counts())
    if response.status_code == 200 and not response.get("Content-Disposition"):
        event("already marked: no copy")
        assert changed == {}, changed
        assert b"is already marked CONFIDENTIAL" in response.content
    elif response.status_code == 200:
        event(f"stamped: {response['Content-Type']}")
        assert changed == {"records.AuditEvent": 1}, changed
        assert AuditEvent.objects.latest("sequence").action == "label.stamped_copy"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
        assert response["Content-Type"] in labels.CONTENT_TYPES.values()
        # The stamped copy passes the very check it was made for (labels.stamp_document's promise).
        stamped_name = parse_header_parameters(disposition)[1]["filename"]
        assert "/" not in stamped_name and "\\" not in stamped_name and labels.MARKING in stamped_name
        verdict = labels.check_document(stamped_name, response.content)
        assert verdict.labelled, f"the stamped copy of {name!r} is {verdict.outcome}: {verdict.reason}"
    else:
        event("stamp refused")
        assert response.status_code == 400, response.status_code
        assert changed == {}, changed
        assert_no_injection(response, name)


# --------------------------------------------------------------------------- the record form's document


@pytest.fixture
def logger(employee):
    return signed_in(employee)


@pytest.mark.django_db
@fuzz_settings(80)
@given(
    content=DOCUMENTS, name=FILE_NAMES, style=NAME_STYLES,
    verification=st.sampled_from([LabelVerification.FILE_CHECK, LabelVerification.FILE_CHECK, LabelVerification.VISUAL, "", "<script>"]),
    medium=st.sampled_from([Medium.FILE_SHARE, Medium.EMAIL, Medium.PAPER]),
)
def test_record_form_label_document(content, name, style, verification, medium, logger, employee, schedule, upload_limits):
    note_upload(name, style, content)
    note(f"label_verification {verification!r}, medium {medium!r}")
    fields = {
        "title": "Exported call detail <script>alert(1)</script>",
        "contains_cpni": "on",
        "cpni_categories": ["billing", "destination"],
        "medium": medium,
        "department": str(employee.department_id),
        "custodian": str(employee.pk),
        "location": "File share \\\\billing\\exports",
        "schedule": str(schedule.pk),
        "trigger_date": "2026-02-01",
        "label_verification": verification,
    }
    before, checked_before = table_counts(), label_checked_events()
    response = post_multipart(logger, "/records/new/", fields, [("label_document", name, style, content, "application/pdf")])
    assert_no_server_error(response, (name, content[:64]))
    assert_not_spooled(response)
    changed = differences(before, table_counts())
    checks = changed.get("records.LabelCheck", 0)
    assert checks == label_checked_events() - checked_before <= 1, changed
    if response.status_code == 302:
        event(f"record logged ({verification or 'no attestation'})")
        record = Record.objects.latest("pk")
        assert changed.get("records.Record") == 1 and changed.get("records.HistoricalRecord") == 1, changed
        if verification == LabelVerification.FILE_CHECK:
            assert checks == 1 and record.label_check.outcome == LabelCheck.Outcome.LABELLED
            assert record.label_check.record_id == record.pk
            assert record.label_check.sha256 == hashlib.sha256(content).hexdigest()
        detail = logger.get(record.get_absolute_url())
        assert detail.status_code == 200
        assert_no_injection(detail, name)
    else:
        assert response.status_code in (200, 400), response.status_code
        # Refused: no record and nothing of one. Only the label check itself may remain, by design
        # (services.label_document_check: "failed checks count too"), unlinked and audited.
        allowed = {"records.LabelCheck", "records.HistoricalLabelCheck", "records.AuditEvent"} if checks else set()
        assert set(changed) <= allowed, f"a refused record form left rows behind: {changed}"
        if checks:
            event(f"record refused after a {LabelCheck.objects.latest('pk').outcome} check")
            # An unmarked document gets its stamped copy offered in the refusal (audited), if it can be stamped.
            stamped = AuditEvent.objects.latest("sequence").action == "label.stamped_copy"
            assert not stamped or LabelCheck.objects.latest("pk").outcome == "not_labelled"
            assert changed == {"records.LabelCheck": 1, "records.HistoricalLabelCheck": 1,
                               "records.AuditEvent": 2 if stamped else 1}, changed
            assert LabelCheck.objects.latest("pk").record_id is None
        else:
            event("record refused")
        assert_no_injection(response, name)


# --------------------------------------------------------------------------- the label module itself
# The same documents straight into records.labels, without HTTP: many more examples per second.


@fuzz_settings(800)
@given(content=DOCUMENTS, name=FILE_NAMES)
def test_check_document_never_raises(content, name):
    note_upload(name, "-", content)
    """labels.check_document "never raises for bad input" and gives one of the three outcomes."""
    result = labels.check_document(name, content)
    event(f"{result.kind or 'unknown'}: {result.outcome.value}")
    assert result.outcome in labels.Outcome
    assert result.size == len(content) and result.sha256 == hashlib.sha256(content).hexdigest()
    assert result.reason


@fuzz_settings(400)
@given(content=DOCUMENTS, name=st.sampled_from(["document.pdf", "document.docx", "notes.txt", "upload", "../../x.md"]))
def test_stamp_document_contract(content, name):
    note_upload(name, "-", content)
    """labels.stamp_document raises only StampError, and its copy passes check_document."""
    try:
        stamped = labels.stamp_document(name, content)
    except labels.StampError:
        event("refused")
        return
    event(f"stamped {stamped.content_type}")
    verdict = labels.check_document(stamped.file_name, stamped.content)
    assert verdict.labelled, f"the stamped copy is {verdict.outcome.value}: {verdict.reason}"
