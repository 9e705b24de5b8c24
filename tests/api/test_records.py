"""Records through the API with tokens: logging one, the list with its filters and pages, a record
and its edits, and department scoping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from records import holds
from records.models import AuditEvent, LabelCheck, Medium, Record, Status
from tests.factories import ScheduleFactory, make_record

pytestmark = pytest.mark.django_db
RECORDS = "/api/v1/records/"


def detail(record):
    return f"{RECORDS}{record.reference}/"


def new_record(**overrides):
    body = {
        "title": "Toll detail printouts, March",
        "medium": "paper",
        "department": "billing",
        "custodian": "emma",
        "location": "HQ cabinet 3",
        "schedule": "TOLL",
        "trigger_date": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "cpni_categories": ["billing", "destination"],
        "label_verification": "visual",
        "label_confirmed": True,
    }
    body.update(overrides)
    return body


@pytest.fixture
def toll(db):
    return ScheduleFactory(code="TOLL", period_value=18, period_unit="months")


class TestCreate:
    def test_an_employee_logs_a_record_with_a_visual_label_attestation(self, api, employee, toll):
        response = api(employee).post(RECORDS, new_record(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        record = Record.objects.get(reference=body["reference"])
        assert response["Location"] == f"{RECORDS}{record.reference}/"
        assert body["marking"] == "CONFIDENTIAL" and body["status"] == "active"
        assert body["expiry_date"] == record.expiry_date.isoformat() and record.expiry_date is not None
        assert record.label_verification == "visual" and record.label_attested_by == employee
        assert body["label_attested_by"] == "emma" and body["custodian"] == "emma" and body["department"] == "billing"
        assert AuditEvent.objects.filter(action="record.created", object_id=str(record.pk), actor=employee).exists()

    def test_a_record_with_cpni_is_refused_without_the_attestation(self, api, employee, toll):
        client = api(employee)
        missing = client.post(RECORDS, new_record(label_verification="", label_confirmed=False), format="json")
        assert missing.status_code == 400 and "label_verification" in missing.json()["errors"]
        unconfirmed = client.post(RECORDS, new_record(label_confirmed=False), format="json")
        assert unconfirmed.status_code == 400 and "label_confirmed" in unconfirmed.json()["errors"]
        assert missing.json()["code"] == "validation_error" and missing.json()["status"] == 400
        assert not Record.objects.exists()

    def test_the_file_check_is_only_on_the_web_page(self, api, employee, toll):
        response = api(employee).post(RECORDS, new_record(label_verification="file_check"), format="json")
        assert response.status_code == 400 and "label_verification" in response.json()["errors"]
        assert not Record.objects.exists() and not LabelCheck.objects.exists()

    def test_a_record_without_cpni_needs_no_attestation(self, api, employee, toll):
        body = new_record(contains_cpni=False, cpni_categories=[], label_verification="", label_confirmed=False)
        response = api(employee).post(RECORDS, body, format="json")
        assert response.status_code == 201 and response.json()["label_verification"] == ""

    def test_the_services_rules_come_back_per_field(self, api, employee, toll):
        client = api(employee)
        future = client.post(RECORDS, new_record(trigger_date=(timezone.localdate() + timedelta(days=1)).isoformat()),
                             format="json")
        assert future.status_code == 400 and "trigger_date" in future.json()["errors"]
        no_serial = client.post(RECORDS, new_record(medium="ssd"), format="json")
        assert no_serial.status_code == 400 and "media_serial_number" in no_serial.json()["errors"]
        shape = client.post(RECORDS, {"title": 5, "cpni_categories": ["nonsense"]}, format="json")
        errors = shape.json()["errors"]
        assert shape.status_code == 400 and {"medium", "location", "cpni_categories.0"} <= set(errors)
        assert not Record.objects.exists()

    def test_an_employee_cannot_log_records_for_another_department(self, api, employee, outsider, toll):
        client = api(employee)
        other = client.post(RECORDS, new_record(department="customer-care", custodian="olga"), format="json")
        assert other.status_code == 400 and {"department", "custodian"} <= set(other.json()["errors"])
        assert not Record.objects.exists()

    def test_a_records_manager_logs_for_any_department(self, api, records_manager, outsider, toll):
        body = new_record(department="customer-care", custodian="olga")
        assert api(records_manager).post(RECORDS, body, format="json").status_code == 201

    def test_the_database_going_away_mid_request_is_a_json_503_and_saves_nothing(self, api, employee, toll,
                                                                                monkeypatch):
        from django.db import OperationalError

        from records import services

        def database_lost(**kwargs):
            raise OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(services, "audit_event_record", database_lost)
        before = (Record.objects.count(), AuditEvent.objects.count())
        response = api(employee).post(RECORDS, new_record(), format="json")
        assert response.status_code == 503 and response.json()["code"] == "database_unavailable"
        assert (Record.objects.count(), AuditEvent.objects.count()) == before

    def test_only_json_is_accepted(self, api, employee, toll):
        response = api(employee).post(RECORDS, new_record(), format="multipart")
        assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
        broken = api(employee).post(RECORDS, "{not json", content_type="application/json")
        assert broken.status_code == 400 and broken.json()["code"] == "parse_error"


class TestList:
    def test_pages_are_bounded_and_consistently_ordered(self, api, employee):
        for _ in range(5):
            make_record(custodian=employee)
        client = api(employee)
        first = client.get(RECORDS, {"page_size": 2, "sort": "reference"}).json()
        assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
        assert first["marking"] == "CONFIDENTIAL" and "page=2" in first["next"]
        seen = []
        for page in (1, 2, 3):
            results = client.get(RECORDS, {"page_size": 2, "page": page, "sort": "reference"}).json()["results"]
            seen += [r["reference"] for r in results]
        assert seen == sorted(Record.objects.values_list("reference", flat=True))
        newest_first = [r["reference"] for r in client.get(RECORDS).json()["results"]]
        assert newest_first == list(reversed(seen)), "by default newest first"
        assert client.get(RECORDS, {"page_size": 2, "page": 4}).status_code == 404
        for bad in ({"page_size": 201}, {"page_size": 0}, {"page": "abc"}, {"page": 0}, {"page": "last"}):
            response = client.get(RECORDS, bad)
            assert response.status_code == 400, bad
        assert len(client.get(RECORDS, {"page_size": 200}).json()["results"]) == 5

    def test_the_filters_of_the_record_list(self, api, employee, records_manager, outsider, netops):
        toll = ScheduleFactory(code="TOLL")
        paper = make_record(custodian=employee, schedule=toll, title="Toll detail printouts")
        due = make_record(custodian=employee, status=Status.DUE, title="Due statements")
        ssd = make_record(custodian=employee, medium=Medium.SSD, title="Billing archive disk")
        other = make_record(custodian=outsider, title="Care notes", customer_reference="ACC-9")
        hold = holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t",
                                records=Record.objects.filter(pk=other.pk))
        client = api(records_manager)

        def refs(**params):
            response = client.get(RECORDS, params)
            assert response.status_code == 200, response.json()
            return {r["reference"] for r in response.json()["results"]}

        assert refs() == {paper.reference, due.reference, ssd.reference, other.reference}
        assert refs(search="toll") == {paper.reference}
        assert refs(search="olga") == {other.reference}, "the custodian's username"
        assert refs(status="due") == {due.reference}
        assert refs(medium="ssd") == {ssd.reference}
        assert refs(department="customer-care") == {other.reference}
        assert refs(schedule="TOLL") == {paper.reference}
        assert refs(hold=hold.pk) == {other.reference}
        assert client.get(RECORDS).json()["results"][0]["on_hold"] in (True, False)
        assert {r["reference"]: r["on_hold"] for r in client.get(RECORDS).json()["results"]}[other.reference] is True
        expiry = paper.expiry_date.isoformat()
        assert paper.reference in refs(expiry_from=expiry, expiry_to=expiry)
        assert refs(expiry_from=expiry, expiry_to=expiry) == set(
            Record.objects.filter(expiry_date=paper.expiry_date).values_list("reference", flat=True))
        for bad in ({"status": "gone"}, {"medium": "vellum"}, {"department": "nowhere"}, {"schedule": "NOPE"},
                    {"expiry_from": "2026-02-01", "expiry_to": "2026-01-01"}, {"expiry_from": "yesterday"},
                    {"sort": "colour"}, {"hold": "x"}, {"search": "x" * 101}, {"department": "bad\x00code"}):
            response = client.get(RECORDS, bad)
            assert response.status_code == 400 and response.json()["errors"], bad

    def test_an_employee_sees_their_own_departments_records_only(self, api, employee, outsider):
        mine = make_record(custodian=employee)
        theirs = make_record(custodian=outsider)
        client = api(employee)
        listed = {r["reference"] for r in client.get(RECORDS).json()["results"]}
        assert listed == {mine.reference}
        hidden = client.get(detail(theirs))
        missing = client.get(f"{RECORDS}CPNI-2026-999999/")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json(), "another department's record looks exactly like none"
        refused = client.get(RECORDS, {"department": "customer-care"})
        nowhere = client.get(RECORDS, {"department": "nowhere"})
        assert refused.status_code == nowhere.status_code == 400


class TestDetailAndEdit:
    def test_a_record_with_the_actions_open_to_the_caller(self, api, employee, records_manager, netops):
        record = make_record(custodian=employee, status=Status.DUE)
        body = api(employee).get(detail(record)).json()
        assert body["marking"] == "CONFIDENTIAL" and body["status"] == "due" and body["destruction"] is None
        assert body["actions"] == ["mark-for-shredding"]
        assert api(records_manager).get(detail(record)).json()["actions"] == ["correct", "extend", "mark-for-shredding"]
        assert api(netops).get(detail(record)).json()["actions"] == []
        assert api(employee).get(f"{RECORDS}not-a-reference/").status_code == 404

    def test_a_patch_changes_input_fields_with_history_and_an_audit_event(self, api, employee, colleague):
        record = make_record(custodian=employee)
        response = api(employee).patch(detail(record), {"title": "Renamed", "custodian": "colin"}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["title"] == "Renamed" and response.json()["custodian"] == "colin"
        record.refresh_from_db()
        assert record.title == "Renamed" and record.custodian == colleague
        assert record.history.first().history_user == employee
        assert AuditEvent.objects.filter(action="record.updated", object_id=str(record.pk)).exists()

    def test_an_empty_patch_changes_nothing(self, api, employee):
        record = make_record(custodian=employee)
        before = AuditEvent.objects.count()
        assert api(employee).patch(detail(record), {}, format="json").status_code == 200
        assert AuditEvent.objects.count() == before

    def test_a_destroyed_record_is_never_changed(self, api, employee):
        record = make_record(custodian=employee, status=Status.DESTROYED)
        response = api(employee).patch(detail(record), {"title": "Rewritten"}, format="json")
        assert response.status_code == 409 and response.json()["code"] == "state_conflict"
        assert Record.objects.get(pk=record.pk).title == record.title

    def test_retention_changes_only_while_the_record_is_active(self, api, employee):
        record = make_record(custodian=employee, status=Status.DUE)
        ScheduleFactory(code="LONGER", period_value=5, period_unit="years")
        response = api(employee).patch(detail(record), {"schedule": "LONGER"}, format="json")
        assert response.status_code == 400 and "schedule" in response.json()["errors"]
        assert Record.objects.get(pk=record.pk).schedule_id == record.schedule_id

    def test_an_employee_cannot_move_a_record_to_another_department(self, api, employee, outsider):
        record = make_record(custodian=employee)
        response = api(employee).patch(detail(record), {"department": "customer-care", "custodian": "olga"},
                                       format="json")
        assert response.status_code == 400
        assert Record.objects.get(pk=record.pk).department == employee.department

    def test_another_departments_record_is_not_found_for_every_method(self, api, employee, outsider):
        record = make_record(custodian=outsider, status=Status.DUE)
        client = api(employee)
        assert client.patch(detail(record), {"title": "x"}, format="json").status_code == 404
        for action in ("mark-for-shredding", "hand-over", "confirm-shredding"):
            assert client.post(f"{detail(record)}{action}/", {}, format="json").status_code == 404, action
        after = Record.objects.get(pk=record.pk)
        assert after.title == record.title and after.status == Status.DUE
