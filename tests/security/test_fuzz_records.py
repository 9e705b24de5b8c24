"""Fuzzing the record forms: logging a record (/records/new/), editing one (/records/<ref>/edit/)
and keeping one longer (/records/<ref>/extend/).

For every generated submission: never a server error; a refused submission (the form shown
again) added no row to any table (no record, no historical row, no audit event); an accepted
one added exactly what it should, and the stored text is shown HTML-escaped on the record's
pages."""

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from records.models import CpniCategory, Department, LabelVerification, Medium, Record, RetentionSchedule, Status, User
from records.models.choices import PeriodUnit
from tests.factories import make_record
from tests.security.fuzzkit import (
    BOOL_TEXT,
    DATE_TEXT,
    Fuzzers,
    INT_TEXT,
    XSS_PAYLOADS,
    assert_no_injection,
    assert_no_server_error,
    assert_shown_escaped,
    choice,
    differences,
    fk,
    fuzz_settings,
    fuzzed_form,
    hostile_text,
    junk,
    multi_choice,
    post_form,
    signed_in,
    table_counts,
    text_field,
)


@pytest.fixture
def record_fuzzers(schedule, event_schedule, media_schedule, retired_schedule, outsider, colleague, records_manager):
    return Fuzzers({
        "title": text_field(200),
        "location": text_field(200),
        "notes": text_field(300),
        "customer_reference": text_field(60),
        "media_serial_number": text_field(100),
        "contains_cpni": BOOL_TEXT,
        "label_confirmed": BOOL_TEXT,
        "cpni_categories": multi_choice(CpniCategory.values),
        "medium": choice(Medium.values),
        "department": fk(Department.objects.values_list("pk", flat=True)),
        "custodian": fk(User.objects.values_list("pk", flat=True)),
        "schedule": fk(RetentionSchedule.objects.values_list("pk", flat=True)),
        "trigger_date": DATE_TEXT,
        "label_verification": choice(LabelVerification.values),
    })


def valid_record_form(custodian, schedule):
    return {
        "title": "Disputed invoice folder",
        "contains_cpni": "on",
        "cpni_categories": ["billing", "destination"],
        "medium": Medium.PAPER,
        "media_serial_number": "",
        "department": str(custodian.department_id),
        "custodian": str(custodian.pk),
        "location": "HQ cabinet 3",
        "customer_reference": "",
        "schedule": str(schedule.pk),
        "trigger_date": "2026-02-01",
        "notes": "",
        "label_verification": LabelVerification.VISUAL,
        "label_confirmed": "on",
    }


def check_record_pages(client, record, *, with_audit_trail):
    """The record's pages, and its row in the record list, render its stored text escaped."""
    detail = client.get(record.get_absolute_url())
    assert detail.status_code == 200
    assert_no_injection(detail, record.reference)
    for text in (record.title, record.location, record.customer_reference, record.media_serial_number):
        assert_shown_escaped(detail, text)
    listing = client.get("/records/", {"q": record.reference})
    assert listing.status_code == 200
    assert_no_injection(listing, record.reference)
    assert_shown_escaped(listing, record.title)
    assert f'<a href="{record.get_absolute_url()}">{record.reference}</a>'.encode() in listing.content
    if with_audit_trail:
        trail = client.get(f"/records/{record.reference}/audit/")
        assert trail.status_code == 200
        assert_no_injection(trail, record.reference)


@pytest.fixture
def create_clients(employee, records_manager):
    return {"employee": signed_in(employee), "records_manager": signed_in(records_manager)}


@pytest.mark.django_db
@fuzz_settings(150)
@given(data=st.data())
def test_record_create(data, create_clients, record_fuzzers, employee, schedule):
    who = data.draw(st.sampled_from(sorted(create_clients)), label="user")
    client = create_clients[who]
    form = fuzzed_form(data, valid_record_form(employee, schedule), record_fuzzers, max_fuzzed=5)
    before = table_counts()
    response = post_form(client, "/records/new/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code == 302:
        record = Record.objects.latest("pk")
        assert changed.get("records.Record") == 1, changed
        # Logged past its expiry: due at once, a second history row.
        assert changed.get("records.HistoricalRecord") == (2 if record.status == Status.DUE else 1), changed
        assert changed.get("records.AuditEvent", 0) >= 1, changed
        event(f"logged by {who}")
        assert response["Location"] == record.get_absolute_url()
        if who == "employee":  # whatever ids were posted, an employee logs only in their own department
            assert record.department_id == record.custodian.department_id == employee.department_id
        check_record_pages(client, record, with_audit_trail=who == "records_manager")
    else:
        event(f"refused ({who})")
        assert response.status_code in (200, 400, 413), response.status_code  # 413: body over the cap
        assert changed == {}, f"a refused record form left rows behind: {changed}"
        assert_no_injection(response, form)


@pytest.fixture
def editable_record(employee, schedule):
    return make_record(custodian=employee, schedule=schedule, title="Original title")


def current_values(record):
    record.refresh_from_db()
    return {
        "title": record.title,
        "contains_cpni": "on" if record.contains_cpni else "",
        "cpni_categories": list(record.cpni_categories),
        "medium": record.medium,
        "media_serial_number": record.media_serial_number,
        "department": str(record.department_id),
        "custodian": str(record.custodian_id),
        "location": record.location,
        "customer_reference": record.customer_reference,
        "schedule": str(record.schedule_id),
        "trigger_date": record.trigger_date.isoformat() if record.trigger_date else "",
        "notes": record.notes,
        "label_verification": "",
    }


def stored(record):
    record.refresh_from_db()
    return {f.attname: getattr(record, f.attname) for f in Record._meta.concrete_fields}


@pytest.fixture
def employee_client(employee):
    return signed_in(employee)


@pytest.mark.django_db
@fuzz_settings(100)
@given(data=st.data())
def test_record_edit(data, employee_client, record_fuzzers, editable_record):
    """An employee edits a record of their department; other departments' ids must be refused."""
    form = fuzzed_form(data, current_values(editable_record), record_fuzzers, max_fuzzed=5)
    before, values_before = table_counts(), stored(editable_record)
    response = post_form(employee_client, f"/records/{editable_record.reference}/edit/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code == 302:
        assert set(changed) <= {"records.HistoricalRecord", "records.AuditEvent"}, changed
        # Edited past its expiry: due at once, a second history row and audit event.
        became_due = values_before["status"] == Status.ACTIVE and stored(editable_record)["status"] == Status.DUE
        assert changed.get("records.HistoricalRecord", 0) == changed.get("records.AuditEvent", 0) <= 1 + became_due, changed
        event("edit saved" if changed else "edit without changes")
        if changed:
            assert stored(editable_record) != values_before
        assert editable_record.department_id == editable_record.custodian.department_id == values_before["department_id"]
        check_record_pages(employee_client, editable_record, with_audit_trail=False)
    else:
        event("edit refused")
        assert response.status_code in (200, 400), response.status_code
        assert changed == {}, f"a refused edit left rows behind: {changed}"
        assert stored(editable_record) == values_before, "a refused edit changed the record"
        assert_no_injection(response, form)


@pytest.fixture
def manager_client(records_manager):
    return signed_in(records_manager)


@pytest.mark.django_db
@fuzz_settings(80)
@given(data=st.data())
def test_record_extend(data, manager_client, editable_record):
    fuzzers = {
        "period_value": st.one_of(st.integers(1, 1200).map(str), INT_TEXT),
        "period_unit": choice(PeriodUnit.values),
        "reason": st.one_of(st.sampled_from(XSS_PAYLOADS), hostile_text(550), junk()),
    }
    base = {"period_value": "3", "period_unit": "months", "reason": "Litigation expected"}
    form = fuzzed_form(data, base, fuzzers, max_fuzzed=3)
    before, values_before = table_counts(), stored(editable_record)
    response = post_form(manager_client, f"/records/{editable_record.reference}/extend/", form)
    assert_no_server_error(response, form)
    changed = differences(before, table_counts())
    if response.status_code == 302:
        event("extended")
        assert changed.get("records.RetentionExtension") == 1, changed
        assert changed.get("records.AuditEvent", 0) >= 1, changed
        extension = editable_record.extensions.latest("pk")
        detail = manager_client.get(editable_record.get_absolute_url())
        assert detail.status_code == 200
        assert_no_injection(detail, form)
        assert_shown_escaped(detail, extension.reason)
    else:
        event("extension refused")
        assert response.status_code == 400, response.status_code
        assert changed == {}, f"a refused extension left rows behind: {changed}"
        assert stored(editable_record) == values_before
        assert_no_injection(response, form)
