"""A hostile document or sheet cannot take a worker down: it is read in a child process within a
budget of expanded bytes, elements, pages, seconds and memory, and one over any of them is refused
with a message naming the limit, with nothing saved."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from records import confined, imports, labels
from records.budgets import MB, ArchiveReader, Budget, OverBudget
from records.models import AuditEvent, ImportJob, LabelCheck
from tests.documents import (
    docx_bytes, empty_paragraphs_docx_bytes, page_tree_pdf_bytes, pdf_bytes, rezipped, with_understated_sizes,
    zip_bomb_docx_bytes,
)
from tests.records.test_imports import reference_data, row, xlsx_bytes  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def check_page(client, user, name, data, page="label-check"):
    client.force_login(user)
    return client.post(reverse(page), {"document": SimpleUploadedFile(name, data)})


def assert_refused_and_nothing_kept(response, message):
    assert message in response.content.decode()
    assert not LabelCheck.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="label.").exists()


# --------------------------------------------------------------------------- bytes


def test_a_zip_bomb_docx_is_refused_by_what_it_really_expands_to(client, employee, settings):
    settings.DOCUMENT_MAX_EXPANDED_BYTES = 1 * MB
    bomb = zip_bomb_docx_bytes(3 * MB)  # about 40 kB

    checked = check_page(client, employee, "memo.docx", bomb)
    stamped = check_page(client, employee, "memo.docx", bomb, page="label-stamp")

    assert_refused_and_nothing_kept(checked, "This file expands to more than 1 MB when unpacked, so it was not read.")
    assert stamped.status_code == 400
    assert "This file expands to more than 1 MB when unpacked" in stamped.content.decode()


def test_declared_sizes_are_not_trusted():
    """A member that declares 1 kB and really holds 1.8 MB: reading stops at the declared size and
    the archive is damaged, whatever it says; the reader counts what came out, not what was said."""
    lying = with_understated_sizes(empty_paragraphs_docx_bytes(300_000), "word/document.xml")

    result = labels.check_document("memo.docx", lying, Budget(expanded_bytes=1 * MB))

    assert result.outcome is labels.Outcome.UNREADABLE and "damaged" in result.reason


def test_the_byte_budget_counts_every_member_read_together():
    import io
    import zipfile

    data = rezipped(docx_bytes(["CONFIDENTIAL"]), {"a.xml": b"<a/>" * 100_000, "b.xml": b"<b/>" * 100_000})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        reader = ArchiveReader(archive, Budget(expanded_bytes=700_000))
        reader.read("a.xml")
        with pytest.raises(OverBudget, match="more than 0.67 MB"):
            reader.read("b.xml")


# --------------------------------------------------------------------------- elements and pages


def test_a_docx_of_millions_of_empty_paragraphs_is_refused_by_its_elements(client, employee, settings):
    settings.DOCUMENT_MAX_ELEMENTS = 100_000
    document = empty_paragraphs_docx_bytes(300_000)  # about 40 kB

    response = check_page(client, employee, "memo.docx", document)

    assert_refused_and_nothing_kept(response, "This file holds more than 100,000 elements (paragraphs, runs, cells")


def test_a_pdf_whose_page_tree_reuses_nodes_is_refused_by_its_pages(client, employee, settings):
    settings.DOCUMENT_MAX_PAGES = 1000
    pdf = page_tree_pdf_bytes(levels=4)  # 10,000 pages declared in about 1 kB

    checked = check_page(client, employee, "letter.pdf", pdf)
    stamped = check_page(client, employee, "letter.pdf", pdf, page="label-stamp")

    assert_refused_and_nothing_kept(checked, "This PDF has more than 1,000 pages, so it was not read.")
    assert stamped.status_code == 400 and "more than 1,000 pages" in stamped.content.decode()


def test_documents_within_their_budget_are_read_as_before(client, employee, settings):
    settings.DOCUMENT_MAX_PAGES = 3
    response = check_page(client, employee, "letter.pdf", pdf_bytes(["CONFIDENTIAL"], pages=3))

    assert LabelCheck.objects.get().outcome == "labelled" and response.status_code == 200


# --------------------------------------------------------------------------- time and memory


def test_a_document_that_takes_too_long_to_read_is_stopped_and_refused(client, employee, settings):
    settings.DOCUMENT_MAX_PAGES = 10_000_000
    settings.DOCUMENT_MAX_SECONDS = 1
    pdf = page_tree_pdf_bytes(levels=6)  # a million pages: half a minute to read

    started = time.monotonic()
    response = check_page(client, employee, "letter.pdf", pdf)

    assert time.monotonic() - started < 5
    assert_refused_and_nothing_kept(response, "This file took longer than 1 s to read, so it was not read.")


def test_the_child_is_stopped_at_its_time_and_memory_and_the_readers_errors_come_back():
    started = time.monotonic()
    with pytest.raises(OverBudget, match="took longer than 0.5 s"):
        confined.run(time.sleep, 30, budget=Budget(seconds=0.5))
    assert time.monotonic() - started < 3

    with pytest.raises(OverBudget, match="needed more than 64 MB of memory"):
        confined.run(bytearray, 512 * MB, budget=Budget(memory_bytes=64 * MB))

    with pytest.raises(ValueError, match="invalid literal"):
        confined.run(int, "twelve", budget=Budget())
    assert confined.run(int, "12", budget=Budget()) == 12


def test_the_command_reports_a_document_over_its_budget(tmp_path, settings, capsys):
    settings.DOCUMENT_MAX_EXPANDED_BYTES = 1 * MB
    (tmp_path / "bomb.docx").write_bytes(zip_bomb_docx_bytes(3 * MB))

    with pytest.raises(CommandError):
        call_command("check_label", str(tmp_path / "bomb.docx"))

    assert "This file expands to more than 1 MB when unpacked" in capsys.readouterr().out


# --------------------------------------------------------------------------- sheets


SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHARED_STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def inflated_shared_strings(sheet, count):
    """The XLSX ``sheet`` with a shared strings part of ``count`` strings (tens of bytes each,
    deflated to almost nothing), declared as Excel declares it."""
    strings = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               + b"<si><t>Customer call records, all of them</t></si>" * count + b"</sst>")
    return rezipped(sheet, {
        "xl/sharedStrings.xml": strings,
        "[Content_Types].xml": lambda xml: xml.replace(b"</Types>", (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>').encode()),
        "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(b"</Relationships>", (
            f'<Relationship Id="rIdStrings" Type="{SHARED_STRINGS_REL}" Target="sharedStrings.xml"/>'
            "</Relationships>").encode()),
    })


@pytest.mark.usefixtures("frozen_today", "reference_data")
def test_an_xlsx_whose_shared_strings_inflate_is_refused_and_nothing_is_imported(records_manager, settings):
    settings.IMPORT_MAX_EXPANDED_BYTES = 1 * MB
    sheet = inflated_shared_strings(xlsx_bytes([row()]), 100_000)  # about 4.5 MB of strings
    job = imports.import_job_create(actor=records_manager, file_name="inventory.xlsx", data=sheet)

    imports.import_job_validate(job.pk)

    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID
    assert job.errors == [{"row": 1, "column": "file",
                           "message": "This file expands to more than 1 MB when unpacked, so it was not read."}]


@pytest.mark.usefixtures("frozen_today", "reference_data")
def test_an_xlsx_over_its_element_budget_is_refused(records_manager, settings):
    settings.IMPORT_MAX_ELEMENTS = 50_000
    sheet = inflated_shared_strings(xlsx_bytes([row()]), 30_000)
    job = imports.import_job_create(actor=records_manager, file_name="inventory.xlsx", data=sheet)

    imports.import_job_validate(job.pk)

    job.refresh_from_db()
    assert job.state == ImportJob.State.INVALID and "more than 50,000 elements" in job.errors[0]["message"]


@pytest.mark.usefixtures("frozen_today", "reference_data")
def test_a_sheet_within_its_budget_is_read_in_a_child_and_validated(records_manager):
    job = imports.import_job_create(actor=records_manager, file_name="inventory.xlsx", data=xlsx_bytes([row()]))

    imports.import_job_validate(job.pk)

    job.refresh_from_db()
    assert (job.state, job.row_count) == (ImportJob.State.VALID, 1)
