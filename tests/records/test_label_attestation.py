"""A file that fails the CONFIDENTIAL label check is never silently overridden by a visual check
(or by the attestation the record already has) on the same submission. The failed check itself is
kept, as every check is; the record is not saved."""


import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from records import services
from records.models import AuditEvent, LabelCheck, LabelVerification, Medium, Record
from tests.documents import docx_bytes, pdf_bytes
from tests.api.conftest import token_client
from tests.factories import ScheduleFactory, make_record
from tests.records.test_services import create as records_create

@pytest.fixture
def api():
    return token_client


pytestmark = pytest.mark.django_db
UNLABELLED = ("calls.docx", docx_bytes(["Customer call records for March"]))
LABELLED = ("tolls.pdf", pdf_bytes(["Toll detail for account 1234"], header="CONFIDENTIAL"))


@pytest.fixture
def toll(db):
    return ScheduleFactory(code="TOLL")


def record_writes():
    return Record.objects.count(), Record.history.count(), AuditEvent.objects.filter(action__startswith="record.").count()


def create(actor, schedule, **overrides):
    return records_create(actor, schedule=schedule, medium=Medium.EMAIL, **overrides)


class TestService:
    @pytest.mark.parametrize("document, outcome, said", [
        (UNLABELLED, LabelCheck.Outcome.NOT_LABELLED, "stamped copy"),
        (("scan.pdf", b"%PDF-1.4 broken"), LabelCheck.Outcome.UNREADABLE, "scan.pdf"),
    ])
    def test_a_visual_check_does_not_override_a_failed_file(self, employee, toll, document, outcome, said):
        before = record_writes()
        with pytest.raises(ValidationError) as excinfo:
            create(employee, toll, label_document=document)
        [message] = excinfo.value.message_dict["label_document"]
        assert said in message and "not overridden by a visual check" in message
        assert record_writes() == before
        check = LabelCheck.objects.get()
        assert check.outcome == outcome and check.record is None
        assert list(AuditEvent.objects.values_list("action", flat=True)) == ["label.checked"]

    def test_a_visual_check_with_a_labelled_file_keeps_the_check(self, employee, toll):
        record = create(employee, toll, label_document=LABELLED)
        assert record.label_verification == LabelVerification.VISUAL
        assert record.label_check.outcome == LabelCheck.Outcome.LABELLED and record.label_check.record == record

    def test_the_attestation_a_record_has_does_not_override_a_failed_file_either(self, employee, toll):
        record = make_record(custodian=employee, schedule=toll, medium=Medium.EMAIL)
        before = record_writes()
        with pytest.raises(ValidationError, match="calls.docx"):
            services.record_update(actor=employee, record=record, label_verification="", label_document=UNLABELLED,
                                   title="Renamed")
        assert Record.objects.get(pk=record.pk).title == "Toll detail printouts" and record_writes() == before

    def test_a_visual_check_needs_its_confirmation_besides(self, employee, toll):
        with pytest.raises(ValidationError) as excinfo:
            create(employee, toll, label_confirmed=False, label_document=UNLABELLED)
        assert set(excinfo.value.message_dict) == {"label_document", "label_confirmed"}

    def test_a_record_without_cpni_is_not_refused_for_its_document(self, employee, toll):
        record = create(employee, toll, contains_cpni=False, cpni_categories=[], label_verification="",
                        label_document=UNLABELLED)
        assert record.label_attested_at is None and not LabelCheck.objects.exists()


def test_the_form_refuses_beside_the_document(client, employee, toll):
    client.force_login(employee)
    data = {
        "title": "Call records", "contains_cpni": "on", "cpni_categories": ["billing"], "medium": Medium.EMAIL,
        "department": employee.department_id, "custodian": employee.pk, "location": "Mailbox archive",
        "schedule": toll.pk, "trigger_date": "2026-02-01", "label_verification": "visual", "label_confirmed": "on",
        "label_document": SimpleUploadedFile(*UNLABELLED),
    }
    before = record_writes()
    response = client.post(reverse("record-create"), data)
    page = response.content.decode()
    assert response.status_code == 200 and "calls.docx" in page and "not overridden by a visual check" in page
    assert record_writes() == before and LabelCheck.objects.get().outcome == LabelCheck.Outcome.NOT_LABELLED


def test_the_api_refuses_a_document_it_would_not_read(api, employee, toll):
    body = {
        "title": "Call records", "medium": "email", "department": "billing", "custodian": "emma",
        "location": "Mailbox archive", "schedule": "TOLL", "trigger_date": "2026-02-01", "cpni_categories": ["billing"],
        "label_verification": "visual", "label_confirmed": True, "label_document": "calls.docx",
    }
    before = record_writes()
    response = api(employee).post("/api/v1/records/", body, format="json")
    assert response.status_code == 400
    assert "The API takes no documents" in response.json()["errors"]["label_document"][0]
    record = make_record(custodian=employee, schedule=toll, medium=Medium.EMAIL)
    middle = record_writes()
    patched = api(employee).patch(f"/api/v1/records/{record.reference}/", {"label_document": "x"}, format="json")
    assert patched.status_code == 400 and "label_document" in patched.json()["errors"]
    assert record_writes() == middle and before[0] + 1 == middle[0] and not LabelCheck.objects.exists()
